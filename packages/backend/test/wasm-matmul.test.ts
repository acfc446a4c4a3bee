import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '../src/wasm';
import { planMatMul } from '../src/wasm/batch-mat-mul';
import { liveCounts, relativeError, seeded, use, values } from './wasm-helpers';

const TOLERANCE = 1e-5;

interface Product {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** Shapes whose products take the direct, the swapped and the native route, ranks 2 and 3. */
const PRODUCTS: Product[] = [];
for (const [m, k, n] of [
  [3, 50, 7],
  [40, 5, 2],
  [16, 64, 1],
  [1, 9, 30],
]) {
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      const a = transposeA ? [k, m] : [m, k];
      const b = transposeB ? [n, k] : [k, n];
      PRODUCTS.push({ a, b, transposeA, transposeB });
      PRODUCTS.push({ a: [1, ...a], b: [1, ...b], transposeA, transposeB });
    }
  }
}
// Batched products keep wasm's own kernel; they must still be right.
PRODUCTS.push({ a: [3, 4, 5], b: [3, 6, 5], transposeA: false, transposeB: true });
PRODUCTS.push({ a: [2, 5, 4], b: [1, 5, 3], transposeA: true, transposeB: false });

function product(p: Product, a: Float32Array, b: Float32Array): { values: Float32Array; shape: number[] } {
  return tf.tidy(() => {
    const out = tf.matMul(tf.tensor(a, p.a), tf.tensor(b, p.b), p.transposeA, p.transposeB);
    return { values: out.dataSync() as Float32Array, shape: out.shape };
  });
}

describe('BatchMatMul on wasm with transposed operands equals cpu', () => {
  test.each(PRODUCTS.map((p) => [`${JSON.stringify(p.a)}${p.transposeA ? 'ᵀ' : ''} x ${JSON.stringify(p.b)}${p.transposeB ? 'ᵀ' : ''}`, p]))(
    '%s',
    async (_name, p) => {
      const random = seeded(p.a.length * 1000 + p.a[p.a.length - 1] * 10 + p.b[p.b.length - 1]);
      const a = values(random, p.a);
      const b = values(random, p.b);
      await use('cpu');
      const reference = product(p, a, b);
      await use('wasm');
      registerWasmTrainingKernels();
      const before = liveCounts();
      const got = product(p, a, b);
      expect(liveCounts()).toEqual(before);
      expect(got.shape).toEqual(reference.shape);
      expect(relativeError(got.values, reference.values)).toBeLessThan(TOLERANCE);
    },
  );
});

describe('planMatMul', () => {
  test('keeps untransposed products on the native path', () => {
    expect(planMatMul(16, 6400, 4096, false, false)).toBe('native');
  });
  test("copies the small operand of a dense layer's weight gradient (x^T dy)", () => {
    // direct: transpose x (16 x 6400); swapped would copy dy and the 6400 x 4096 result.
    expect(planMatMul(6400, 16, 4096, true, false)).toBe('direct');
  });
  test("avoids copying the weights for a dense layer's input gradient (dy W^T)", () => {
    // direct would transpose W (4096 x 6400); swapped copies dy and the 16 x 6400 result.
    expect(planMatMul(16, 4096, 6400, false, true)).toBe('swapped');
  });
});
