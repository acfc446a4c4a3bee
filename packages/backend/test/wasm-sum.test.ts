import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '../src/wasm';
import { leadingAxes } from '../src/wasm/sum';
import { liveCounts, relativeError, seeded, use, values } from './wasm-helpers';

const TOLERANCE = 1e-5;

interface Case {
  shape: number[];
  axis: number | number[];
  keepDims: boolean;
}

const CASES: Case[] = [
  // Bias gradients: dy summed over batch, height and width.
  { shape: [8, 6, 5, 7], axis: [0, 1, 2], keepDims: false },
  { shape: [8, 6, 5, 7], axis: [2, 0, 1], keepDims: true },
  { shape: [33, 10], axis: 0, keepDims: false },
  { shape: [4, 3, 2], axis: [-3, -2], keepDims: false },
  { shape: [1, 1, 9], axis: [0, 1], keepDims: false },
  // As many positions as AlexNet's conv1 at batch 20: fp32 accumulation over 58,320 values.
  { shape: [20, 54, 54, 3], axis: [0, 1, 2], keepDims: false },
  // Not leading: wasm's own kernel, which must still be right through the wrapper.
  { shape: [8, 6, 5, 7], axis: [1, 2], keepDims: false },
  { shape: [8, 6, 5, 7], axis: 3, keepDims: true },
  { shape: [8, 6, 5], axis: [0, 1, 2], keepDims: false },
  { shape: [8, 6, 5], axis: [0, 2], keepDims: false },
];

function sum(c: Case, x: Float32Array): { values: Float32Array; shape: number[] } {
  return tf.tidy(() => {
    const out = tf.sum(tf.tensor(x, c.shape), c.axis, c.keepDims);
    return { values: out.dataSync() as Float32Array, shape: out.shape };
  });
}

describe('Sum on wasm equals cpu', () => {
  test.each(CASES)('$shape over $axis, keepDims $keepDims', async (c) => {
    const x = values(seeded(c.shape.reduce((a, b) => a * 7 + b, 3)), c.shape);
    await use('cpu');
    const reference = sum(c, x);
    await use('wasm');
    for (const fastLeadingSum of [true, false]) {
      registerWasmTrainingKernels({ fastLeadingSum });
      const before = liveCounts();
      const got = sum(c, x);
      expect(liveCounts()).toEqual(before);
      expect(got.shape).toEqual(reference.shape);
      expect({ fastLeadingSum, ok: relativeError(got.values, reference.values) < TOLERANCE }).toEqual({ fastLeadingSum, ok: true });
    }
    registerWasmTrainingKernels();
  });

  test('int32 sums stay exact', async () => {
    await use('wasm');
    registerWasmTrainingKernels();
    const got = tf.tidy(() => tf.sum(tf.tensor([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'), 0).arraySync());
    expect(got).toEqual([9, 12]);
  });

  test('a bias gradient through a conv layer matches cpu', async () => {
    const random = seeded(11);
    const x = values(random, [4, 9, 9, 3]);
    const w = values(random, [3, 3, 3, 5]);
    const b = values(random, [5]);
    const grad = () =>
      tf.tidy(() => {
        const f = (bias: tf.Tensor) => tf.sum(tf.square(tf.add(tf.conv2d(tf.tensor4d(x, [4, 9, 9, 3]), tf.tensor4d(w, [3, 3, 3, 5]), 1, 'same'), bias)));
        return tf.grad(f)(tf.tensor1d(b)).dataSync() as Float32Array;
      });
    await use('cpu');
    const reference = grad();
    await use('wasm');
    registerWasmTrainingKernels();
    expect(relativeError(grad(), reference)).toBeLessThan(TOLERANCE);
  });
});

describe('leadingAxes', () => {
  test.each([
    [[0, 1, 2], [2, 3, 4, 5], 3],
    [[1, 0], [2, 3, 4], 2],
    [0, [5, 6], 1],
    [[-4, -3], [2, 3, 4, 5], 2],
    [[1, 2], [2, 3, 4], null],
    [[0, 1, 2], [2, 3, 4], null],
    [[0, 2], [2, 3, 4], null],
  ])('axis %j of %j: %j', (axis, shape, expected) => {
    expect(leadingAxes(axis, shape)).toBe(expected);
  });
});
