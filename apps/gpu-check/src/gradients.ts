/** Gradients of the kernels AlexNet and LeNet train with, on the checked backend against cpu. */
import * as tf from '@tensorflow/tfjs';
// The check compares backends exactly as the packages' own gradient tests do.
import { runOn, scaledMaxError, seeded, values } from '@zoo/test-kit';

export interface GradientCase {
  name: string;
  shapes: number[][];
  f: (...inputs: tf.Tensor[]) => tf.Tensor;
}

export interface GradientResult {
  name: string;
  shapes: number[][];
  /** Largest |checked - cpu| over each output, relative to that output's largest magnitude (at least 1). */
  scaledErrors: Record<string, number>;
  maxScaledError: number;
  tolerance: number;
  ok: boolean;
}

export const GRADIENT_TOLERANCE = 1e-3;

export function gradientCases(quick: boolean): GradientCase[] {
  const conv = (stride: number, padding: 'same' | 'valid') => (x: tf.Tensor, w: tf.Tensor) =>
    tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, padding);
  if (quick) {
    return [
      { name: 'conv2d 11x11/4 valid (conv1 shape, small)', shapes: [[2, 35, 35, 1], [11, 11, 1, 8]], f: conv(4, 'valid') },
      { name: 'conv2d 5x5/1 same', shapes: [[2, 9, 9, 8], [5, 5, 8, 12]], f: conv(1, 'same') },
      { name: 'maxPool 3x3/2', shapes: [[2, 13, 13, 8]], f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'valid') },
      { name: 'dense + relu', shapes: [[4, 200], [200, 64]], f: (x, w) => tf.relu(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D)) },
    ];
  }
  return [
    { name: 'AlexNet conv1: 11x11/4 valid, 224 px', shapes: [[4, 224, 224, 1], [11, 11, 1, 96]], f: conv(4, 'valid') },
    { name: 'AlexNet conv2 shape: 5x5/1 same, 26 px, 96 -> 64 channels', shapes: [[2, 26, 26, 96], [5, 5, 96, 64]], f: conv(1, 'same') },
    { name: 'AlexNet conv3 shape: 3x3/1 same, 12 px, 256 -> 64 channels', shapes: [[2, 12, 12, 256], [3, 3, 256, 64]], f: conv(1, 'same') },
    { name: 'AlexNet pool1: maxPool 3x3/2, 54 px, 96 channels', shapes: [[4, 54, 54, 96]], f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'valid') },
    { name: 'LeNet pool: avgPool 2x2/2, 28 px, 6 channels', shapes: [[16, 28, 28, 6]], f: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
    {
      name: 'AlexNet fc1 shape: dense 6400 -> 512 + relu',
      shapes: [[16, 6400], [6400, 512], [512]],
      f: (x, w, b) => tf.relu(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D).add(b)),
    },
    { name: 'LRN (paper constants), 26 px, 96 channels', shapes: [[2, 26, 26, 96]], f: (x) => tf.localResponseNormalization(x as tf.Tensor4D, 2, 2, 1e-4, 0.75) },
  ];
}

/** The case's output and input gradients on cpu and on `backend`, from the same seeded values. */
export async function checkGradient(c: GradientCase, seed: number, backend: string): Promise<GradientResult> {
  const rng = seeded(seed);
  const inputValues = c.shapes.map((shape) => values(rng, shape));
  let weights: Float32Array | undefined;
  const compute = (): tf.Tensor[] => {
    const inputs = c.shapes.map((shape, i) => tf.tensor(inputValues[i], shape));
    const y = c.f(...inputs);
    weights ??= values(rng, y.shape);
    const w = tf.tensor(weights, y.shape);
    const grads = tf.grads((...xs: tf.Tensor[]) => c.f(...xs).mul(w).sum())(inputs);
    return [y, ...grads];
  };
  const expected = await runOn('cpu', compute);
  const actual = await runOn(backend, compute);
  const names = ['output', ...c.shapes.map((_, i) => `d/d input ${i}`)];
  const scaledErrors = Object.fromEntries(names.map((name, i) => [name, scaledMaxError(actual[i], expected[i])]));
  const maxScaledError = Math.max(...Object.values(scaledErrors));
  return { name: c.name, shapes: c.shapes, scaledErrors, maxScaledError, tolerance: GRADIENT_TOLERANCE, ok: maxScaledError <= GRADIENT_TOLERANCE };
}
