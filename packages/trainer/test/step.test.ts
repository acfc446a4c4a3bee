import * as tf from '@tensorflow/tfjs';
import { createTrainingStep } from '../src';
import { CLASSES, model, SIDE, synthetic, weightsOf } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function batch(n: number, seed: number): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  const data = synthetic(n, seed);
  return {
    xs: tf.tensor4d(data.x.flat(), [n, SIDE, SIDE, 1]),
    ys: tf.oneHot(tf.tensor1d(data.labels, 'int32'), CLASSES).toFloat() as tf.Tensor2D,
  };
}

const closeTo = (got: number[][], want: number[][], digits: number): void =>
  got.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], digits)));

describe('the training step in two halves', () => {
  test('computeGradients then applyGradients is the whole step, bit for bit, dropout and weight decay included', async () => {
    const { xs, ys } = batch(8, 3);
    const optimizer = { name: 'momentum' as const, lr: 0.1, momentum: 0.9, weightDecay: 5e-4 };
    const whole = model({ dropout: 0.5 });
    const halves = model({ dropout: 0.5 });
    const a = createTrainingStep(whole, { optimizer, seed: 7 });
    const b = createTrainingStep(halves, { optimizer, seed: 7 });
    for (let step = 0; step < 3; step++) {
      const [loss, correct] = a.step(xs, ys, 0.1, step);
      const g = b.computeGradients(xs, ys, step);
      expect(g.grads).toHaveLength(halves.trainableWeights.length);
      b.applyGradients(g.grads, 0.1);
      expect(await g.loss.data()).toEqual(await loss.data());
      expect(await g.correct.data()).toEqual(await correct.data());
      tf.dispose([loss, correct, g.loss, g.correct, ...g.grads]);
    }
    expect(await weightsOf(halves)).toEqual(await weightsOf(whole));
    a.optimizer.dispose();
    b.optimizer.dispose();
  });

  test('the mean of two half batches’ gradients, applied once, is the step on the whole batch', async () => {
    const { xs, ys } = batch(8, 4);
    const whole = model();
    const split = model();
    const a = createTrainingStep(whole, { optimizer: { name: 'sgd', lr: 0.5 } });
    const b = createTrainingStep(split, { optimizer: { name: 'sgd', lr: 0.5 } });
    tf.dispose(a.step(xs, ys, 0.5, 0));
    const halves = [0, 4].map((start) => b.computeGradients(xs.slice([start], [4]), ys.slice([start], [4]), 0));
    const mean = halves[0].grads.map((g, i) => g.add(halves[1].grads[i]).div(2));
    b.applyGradients(mean, 0.5);
    closeTo(await weightsOf(split), await weightsOf(whole), 5);
    tf.dispose([...mean, ...halves.flatMap((h) => [h.loss, h.correct, ...h.grads])]);
  });

  test('computeGradients leaves no tensor behind but what it returns, and changes no weight', async () => {
    const { xs, ys } = batch(4, 5);
    const m = model();
    const { computeGradients, optimizer } = createTrainingStep(m, { optimizer: { name: 'sgd', lr: 0.1 } });
    const before = await weightsOf(m);
    const tensors = tf.memory().numTensors;
    const g = computeGradients(xs, ys, 0);
    expect(tf.memory().numTensors).toBe(tensors + 2 + g.grads.length);
    tf.dispose([g.loss, g.correct, ...g.grads]);
    expect(await weightsOf(m)).toEqual(before);
    optimizer.dispose();
  });

  test('applyGradients refuses a gradient list that does not match the variables', () => {
    const m = model();
    const { applyGradients, optimizer } = createTrainingStep(m, { optimizer: { name: 'sgd', lr: 0.1 } });
    expect(() => applyGradients([tf.zeros([1])], 0.1)).toThrow('applyGradients: expected 4 gradients (one per trainable variable), got 1');
    optimizer.dispose();
  });
});
