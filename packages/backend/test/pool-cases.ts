// Pooling gradient cases (ties, all-zero and all-negative windows), shared by the wasm and ONNX Runtime suites.
import * as tf from '@tensorflow/tfjs';
import { between, values } from '@zoo/test-kit';

export type Pool = 'max' | 'avg';

export interface PoolCase {
  label: string;
  shape: [number, number, number, number];
  filter: number;
  stride: number;
  pad: 'same' | 'valid';
  /** Makes the input: random values, or values built to hit a corner case. */
  fill: (random: () => number, size: number) => Float32Array;
}

const uniform = (random: () => number, size: number): Float32Array => values(random, [size]);
/** Few distinct values, so that windows hold ties and some hold only zeros or only negatives. */
const coarse = (random: () => number, size: number): Float32Array =>
  Float32Array.from({ length: size }, () => between(random, -3, 1));

export const POOL_CASES: PoolCase[] = [
  { label: 'AlexNet overlapping 3x3/2, valid', shape: [2, 13, 13, 5], filter: 3, stride: 2, pad: 'valid', fill: uniform },
  { label: '2x2/2, same, odd size', shape: [3, 7, 9, 2], filter: 2, stride: 2, pad: 'same', fill: uniform },
  { label: '3x3/1, same', shape: [1, 6, 6, 3], filter: 3, stride: 1, pad: 'same', fill: uniform },
  { label: 'ties, all-zero and all-negative windows, 2x2/2', shape: [2, 8, 8, 3], filter: 2, stride: 2, pad: 'valid', fill: coarse },
  { label: '2x2/2 valid on odd sizes (a last row and column no window reads), ties', shape: [2, 9, 7, 3], filter: 2, stride: 2, pad: 'valid', fill: coarse },
  { label: 'ties, all-zero and all-negative windows, 3x3/2 same', shape: [2, 9, 9, 4], filter: 3, stride: 2, pad: 'same', fill: coarse },
  // Four or more channels go through the SIMD kernel four at a time; 6 and 9 end in an overlapping block.
  { label: "LeNet's 2x2/2 on 6 channels, ties", shape: [2, 8, 8, 6], filter: 2, stride: 2, pad: 'valid', fill: coarse },
  { label: 'overlapping 3x3/2 same on 9 channels, ties', shape: [2, 9, 9, 9], filter: 3, stride: 2, pad: 'same', fill: coarse },
  { label: '2x2/2 on 16 channels', shape: [1, 6, 6, 16], filter: 2, stride: 2, pad: 'valid', fill: uniform },
];

export function poolGradient(pool: Pool, c: PoolCase, x: Float32Array, weights: Float32Array, outShape: number[]): Float32Array {
  return tf.tidy(() => {
    const mask = tf.tensor(weights, outShape);
    const f = (v: tf.Tensor): tf.Tensor => {
      const pooled = pool === 'max' ? tf.maxPool(v as tf.Tensor4D, c.filter, c.stride, c.pad) : tf.avgPool(v as tf.Tensor4D, c.filter, c.stride, c.pad);
      return tf.sum(tf.mul(pooled, mask));
    };
    return tf.grad(f)(tf.tensor4d(x, c.shape)).dataSync() as Float32Array;
  });
}

