import * as tf from '@tensorflow/tfjs';
import { classifierHead, PROBABILITY_EPSILON } from '../src';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function mlp(last: tf.layers.Layer[]): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [4],
        units: 6,
        activation: 'tanh',
        name: 'fc1',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      }),
      ...last,
    ],
  });
}

const softmaxDense = () =>
  tf.layers.dense({
    units: 3,
    activation: 'softmax',
    name: 'predictions',
    kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
  });

describe('classifierHead', () => {
  test('picks the logits in front of a softmax, a linear output, or clipped probabilities', () => {
    expect(classifierHead(mlp([softmaxDense()])).source).toBe('pre-softmax-logits');
    expect(
      classifierHead(mlp([tf.layers.dense({ units: 3 }), tf.layers.activation({ activation: 'softmax' })])).source,
    ).toBe('pre-softmax-logits');
    expect(classifierHead(mlp([tf.layers.dense({ units: 3 }), tf.layers.softmax()])).source).toBe('pre-softmax-logits');
    expect(classifierHead(mlp([tf.layers.dense({ units: 3 })])).source).toBe('output-logits');
    const sigmoid = mlp([tf.layers.dense({ units: 3, activation: 'sigmoid', name: 'out' })]);
    expect(classifierHead(sigmoid).source).toBe('clipped-probabilities');
    expect(classifierHead(mlp([softmaxDense()]), 'probabilities').source).toBe('clipped-probabilities');
    expect(() => classifierHead(sigmoid, 'logits')).toThrow(/'out' is a Dense with activation "sigmoid"/);
    expect(() => classifierHead(mlp([tf.layers.dense({ units: 1, activation: 'sigmoid' })]))).toThrow(
      'model output must have shape [batch, numClasses >= 2], got [null, 1]',
    );
  });

  test('logits and clipped probabilities give the same loss and gradients where probabilities are moderate', () => {
    const m = mlp([softmaxDense()]);
    const logits = classifierHead(m, 'auto');
    const probs = classifierHead(m, 'probabilities');
    const xs = tf.tensor2d([
      [0.1, -0.3, 0.5, 0.2],
      [1, 0.4, -0.2, 0.0],
    ]);
    const ys = tf.tensor2d([
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
    const lossOf = (h: typeof logits) =>
      tf.variableGrads(() => tf.mean(h.perExampleLoss(h.forward(xs, true), ys)) as tf.Scalar, vars);
    const a = lossOf(logits);
    const b = lossOf(probs);
    expect(a.value.dataSync()[0]).toBeCloseTo(b.value.dataSync()[0], 5);
    for (const v of vars) {
      Array.from(a.grads[v.name].dataSync()).forEach((g, i) => expect(g).toBeCloseTo(b.grads[v.name].dataSync()[i], 5));
    }
  });

  test('the logits path stays exact and keeps the gradient where the softmax underflows; clipping does not', () => {
    const m = mlp([softmaxDense()]);
    // A confidently wrong prediction: logit gap of about 200 against the label.
    m.layers[1].setWeights([
      tf.tensor2d([
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ]),
      tf.tensor1d([200, 0, 0]),
    ]);
    const xs = tf.tensor2d([[0.1, 0.2, 0.3, 0.4]]);
    const ys = tf.tensor2d([[0, 1, 0]]);
    const bias = m.layers[1].weights[1].read() as tf.Variable;
    const run = (h: ReturnType<typeof classifierHead>) =>
      tf.variableGrads(() => tf.mean(h.perExampleLoss(h.forward(xs, true), ys)) as tf.Scalar, [bias]);
    const exact = run(classifierHead(m, 'auto'));
    const clipped = run(classifierHead(m, 'probabilities'));
    // −log softmax(z)[1] = log(e^200 + 2) ≈ 200.
    expect(exact.value.dataSync()[0]).toBeCloseTo(200, 3);
    expect(Array.from(exact.grads[bias.name].dataSync()).map((g) => Math.round(g))).toEqual([1, -1, 0]);
    expect(clipped.value.dataSync()[0]).toBeCloseTo(-Math.log(PROBABILITY_EPSILON), 3);
    expect(Array.from(clipped.grads[bias.name].dataSync())).toEqual([0, 0, 0]);
  });
});
