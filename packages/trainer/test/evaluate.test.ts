import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@zoo/backend';
import { evaluate } from '../src';
import { seeded } from '@zoo/test-kit';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const K = 4;
const GAIN = 3;

/** A model whose prediction is the hot index of its input: Dense(identity · GAIN) + softmax. */
function selector(): tf.Sequential {
  const m = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [K], units: K, activation: 'softmax', name: 'predictions' })],
  });
  m.setWeights([tf.mul(tf.eye(K), GAIN), tf.zeros([K])]);
  return m;
}

function pairs(n: number, seed: number, classes: number[]): { label: number; predicted: number }[] {
  const r = seeded(seed);
  return Array.from({ length: n }, () => ({
    label: classes[Math.floor(r() * classes.length)],
    predicted: Math.floor(r() * K),
  }));
}

function datasetOf(ps: { label: number; predicted: number }[], batch: number) {
  const oneHot = (c: number) => Array.from({ length: K }, (_, k) => (k === c ? 1 : 0));
  return tf.data
    .array(ps.map((p) => ({ xs: oneHot(p.predicted), ys: oneHot(p.label) })))
    .batch(batch) as unknown as tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>;
}

describe('evaluate', () => {
  test('accuracy, per-class accuracy, confusion matrix and loss match a count done by hand', async () => {
    const ps = pairs(50, 11, [0, 1, 2, 3]);
    const m = selector();
    const before = tf.memory().numTensors;
    const result = await evaluate(m, datasetOf(ps, 8), { numClasses: K });
    expect(tf.memory().numTensors).toBe(before);

    const confusion = Array.from({ length: K }, () => Array.from({ length: K }, () => 0));
    for (const p of ps) confusion[p.label][p.predicted] += 1;
    expect(result.confusionMatrix).toEqual(confusion);
    expect(result.examples).toBe(50);
    expect(result.accuracy).toBeCloseTo(ps.filter((p) => p.label === p.predicted).length / 50, 12);
    expect(result.perClassAccuracy).toEqual(confusion.map((row, c) => row[c] / row.reduce((a, b) => a + b, 0)));
    // Softmax of GAIN·onehot(predicted): the label's probability is e^GAIN/Z when right, 1/Z when wrong.
    const z = Math.exp(GAIN) + K - 1;
    const loss = ps.reduce((s, p) => s - Math.log((p.label === p.predicted ? Math.exp(GAIN) : 1) / z), 0) / 50;
    expect(result.loss).toBeCloseTo(loss, 5);
    expect(result.lossSource).toBe('pre-softmax-logits');
  });

  test('a class without examples has null per-class accuracy', async () => {
    const result = await evaluate(selector(), datasetOf(pairs(20, 5, [0, 2]), 6));
    expect(result.perClassAccuracy[1]).toBeNull();
    expect(result.perClassAccuracy[3]).toBeNull();
    expect(result.confusionMatrix[1]).toEqual([0, 0, 0, 0]);
  });

  test('numClasses must agree with the model', async () => {
    await expect(evaluate(selector(), datasetOf(pairs(4, 1, [0]), 2), { numClasses: 10 })).rejects.toThrow(
      'numClasses is 10 but the model has 4 outputs',
    );
  });
});

describe('evaluate on wasm', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  test('counts the confusion matrix there too (wasm has no int32 matrix product)', async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
    const ps = pairs(40, 11, [0, 1, 2, 3]);
    const result = await evaluate(selector(), datasetOf(ps, 16), { numClasses: K });
    const confusion = Array.from({ length: K }, () => Array.from({ length: K }, () => 0));
    for (const p of ps) confusion[p.label][p.predicted] += 1;
    expect(tf.getBackend()).toBe('wasm');
    expect(result.confusionMatrix).toEqual(confusion);
  });
});
