import * as tf from '@tensorflow/tfjs';
import { createOptimizer, resolveOptimizerOptions, train, type OptimizerOptions } from '../src';
import { seeded } from '@zoo/test-kit';

// A softmax regression whose gradient is easy to write by hand: z = xW + b, p = softmax(z),
// loss = mean over the batch of −log p[label], so dz = (p − y) / B, dW = xᵀ dz, db = Σ dz.
const D = 5;
const K = 3;
const B = 8;

type Params = { W: number[][]; b: number[] };

function gradient({ W, b }: Params, x: number[][], labels: number[]): Params {
  const dW = W.map((row) => row.map(() => 0));
  const db = b.map(() => 0);
  x.forEach((xi, n) => {
    const z = b.map((bk, k) => bk + xi.reduce((s, xd, d) => s + xd * W[d][k], 0));
    const max = Math.max(...z);
    const e = z.map((v) => Math.exp(v - max));
    const sum = e.reduce((s, v) => s + v, 0);
    e.forEach((ek, k) => {
      const dz = (ek / sum - (k === labels[n] ? 1 : 0)) / x.length;
      db[k] += dz;
      xi.forEach((xd, d) => (dW[d][k] += xd * dz));
    });
  });
  return { W: dW, b: db };
}

const zip = (p: Params, q: Params, f: (a: number, b: number) => number): Params => ({
  W: p.W.map((row, d) => row.map((v, k) => f(v, q.W[d][k]))),
  b: p.b.map((v, k) => f(v, q.b[k])),
});
const scale = (p: Params, s: number): Params => zip(p, p, (a) => a * s);
const add = (p: Params, q: Params): Params => zip(p, q, (a, b) => a + b);

function problem(seed: number) {
  const r = seeded(seed);
  const W = Array.from({ length: D }, () => Array.from({ length: K }, () => r() - 0.5));
  const b = Array.from({ length: K }, () => r() - 0.5);
  const batches = Array.from({ length: 3 }, () => ({
    x: Array.from({ length: B }, () => Array.from({ length: D }, () => r() * 2 - 1)),
    labels: Array.from({ length: B }, () => Math.floor(r() * K)),
  }));
  return { params: { W, b }, batches };
}

async function trainRegression(
  start: Params,
  batches: ReturnType<typeof problem>['batches'],
  optimizer: OptimizerOptions,
): Promise<Params> {
  const m = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [D], units: K, activation: 'softmax', name: 'predictions' })],
  });
  m.setWeights([tf.tensor2d(start.W), tf.tensor1d(start.b)]);
  const data = tf.data
    .array(batches)
    .map(({ x, labels }) => ({ xs: tf.tensor2d(x), ys: tf.oneHot(tf.tensor1d(labels, 'int32'), K).asType('float32') }));
  await train(m, { train: data, epochs: 1, optimizer });
  const [W, b] = await Promise.all(m.getWeights().map((w) => w.array()));
  m.dispose();
  return { W: W as number[][], b: b as number[] };
}

function expectClose(actual: Params, expected: Params): void {
  const flat = (p: Params) => [...p.W.flat(), ...p.b];
  const a = flat(actual);
  flat(expected).forEach((e, i) => expect(a[i]).toBeCloseTo(e, 5));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('optimizers, checked against the update rules written out by hand', () => {
  const { params, batches } = problem(3);
  const lrs = [0.5, 0.2, 0.05];
  const lr = (step: number) => lrs[step];

  test('SGD with weight decay: w ← w − lr·(g + wd·w), one step', async () => {
    const wd = 0.1;
    const { x, labels } = batches[0];
    const g = gradient(params, x, labels);
    const expected = add(params, scale(add(g, scale(params, wd)), -0.5));
    expectClose(await trainRegression(params, [batches[0]], { name: 'sgd', lr: 0.5, weightDecay: wd }), expected);
    // Weight decay really acts: without it the result differs.
    const plain = await trainRegression(params, [batches[0]], { name: 'sgd', lr: 0.5 });
    expect(Math.abs(plain.W[0][0] - expected.W[0][0])).toBeGreaterThan(1e-4);
  });

  test("momentum in the paper's form: v ← μ·v − lr·(g + wd·w), w ← w + v, with lr changing per step", async () => {
    const mu = 0.9;
    const wd = 0.05;
    let w = params;
    let v = scale(params, 0);
    batches.forEach(({ x, labels }, step) => {
      v = add(scale(v, mu), scale(add(gradient(w, x, labels), scale(w, wd)), -lr(step)));
      w = add(w, v);
    });
    expectClose(await trainRegression(params, batches, { name: 'momentum', lr, momentum: mu, weightDecay: wd }), w);
  });

  test('Adam with bias correction and L2 in the gradient', async () => {
    const [b1, b2, eps, wd] = [0.8, 0.95, 1e-6, 0.01];
    let w = params;
    let m = scale(params, 0);
    let v = scale(params, 0);
    batches.forEach(({ x, labels }, step) => {
      const g = add(gradient(w, x, labels), scale(w, wd));
      const t = step + 1;
      m = add(scale(m, b1), scale(g, 1 - b1));
      v = add(
        scale(v, b2),
        scale(
          zip(g, g, (a, b) => a * b),
          1 - b2,
        ),
      );
      const update = zip(m, v, (mi, vi) => mi / (1 - b1 ** t) / (Math.sqrt(vi / (1 - b2 ** t)) + eps));
      w = add(w, scale(update, -lr(step)));
    });
    expectClose(
      await trainRegression(params, batches, { name: 'adam', lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd }),
      w,
    );
  });

  test('state saved with getWeights and restored with setWeights continues exactly', async () => {
    for (const name of ['momentum', 'adam'] as const) {
      const config = resolveOptimizerOptions({ name, lr: 0.1, weightDecay: 0.01 });
      const w = tf.variable(tf.tensor1d([1, -2, 3]));
      const g = tf.tensor1d([0.5, 0.1, -0.3]);
      const a = createOptimizer(config, 0.1);
      a.applyGradients([{ name: w.name, tensor: g }]);
      a.applyGradients([{ name: w.name, tensor: g }]);
      const state = await a.getWeights();
      const saved = state.map(({ name: n, tensor }) => ({ name: n, tensor: tensor.clone() }));
      const afterTwo = w.clone();
      a.applyGradients([{ name: w.name, tensor: g }]);
      const expected = await w.data();

      w.assign(afterTwo);
      const b = createOptimizer(config, 0.1);
      await b.setWeights(saved);
      expect(b.iterations).toBe(2);
      b.applyGradients([{ name: w.name, tensor: g }]);
      expect(Array.from(await w.data())).toEqual(Array.from(expected));
      tf.dispose([w, g, afterTwo, state[0].tensor, ...saved.map((s) => s.tensor)]);
      a.dispose();
      b.dispose();
    }
  });

  test('options are checked and defaults filled in', () => {
    expect(resolveOptimizerOptions({ name: 'momentum', lr: 0.01 })).toEqual({
      name: 'momentum',
      lr: 0.01,
      weightDecay: 0,
      momentum: 0.9,
    });
    expect(resolveOptimizerOptions({ name: 'adam', lr: 1e-3 })).toEqual({
      name: 'adam',
      lr: 1e-3,
      weightDecay: 0,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
    });
    expect(() => resolveOptimizerOptions({ name: 'momentum', lr: 0.01, momentum: 1 })).toThrow(
      'optimizer.momentum must be a number in [0, 1), got 1',
    );
    expect(() => resolveOptimizerOptions({ name: 'sgd', lr: 0.01, weightDecay: -1 })).toThrow(
      'optimizer.weightDecay must be a number in [0, Infinity), got -1',
    );
    expect(() => resolveOptimizerOptions({ name: 'adam', lr: '0.1' as unknown as number })).toThrow(
      'optimizer.lr must be a number or a function of the step, got 0.1',
    );
  });
});
