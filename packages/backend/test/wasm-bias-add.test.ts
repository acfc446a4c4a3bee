import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../src/wasm';
import { simdKernels } from '../src/wasm/simd/kernels';
import { liveCounts, seeded, use, values } from './wasm-helpers';

/** a + b on `backend`, as numbers, with the shape it came out in. */
async function sum(backend: 'cpu' | 'wasm', a: tf.TensorLike, aShape: number[], b: tf.TensorLike, bShape: number[], dtype: 'float32' | 'int32' = 'float32'): Promise<{ values: number[]; shape: number[] }> {
  await use(backend);
  return tf.tidy(() => {
    const out = tf.add(tf.tensor(a, aShape, dtype), tf.tensor(b, bShape, dtype));
    return { values: Array.from(out.dataSync()), shape: out.shape };
  });
}

describe('bias Add on wasm equals cpu', () => {
  beforeAll(async () => {
    await use('wasm');
    registerWasmTrainingKernels();
  });

  test('the SIMD module loads here', () => {
    expect(simdKernels(tf.backend() as BackendWasm)).toBeDefined();
  });

  // 1-3 channels take the scalar path; 4 and up four at a time, 6, 9 and 13 ending in an overlapping block.
  const cases: Array<[number[], number]> = [[[2, 5, 5], 1], [[3, 4, 4], 3], [[2, 3, 3], 4], [[2, 5, 5], 6], [[2, 2, 2], 9], [[5], 13], [[7], 16], [[2, 3], 120]];
  for (const [lead, channels] of cases) {
    const shape = [...lead, channels];
    test(`[${shape}] + [${channels}], and the bias first`, async () => {
      const random = seeded(shape.reduce((a, b) => a * 31 + b, 1));
      const x = values(random, shape);
      const bias = values(random, [channels]);
      const reference = await sum('cpu', x, shape, bias, [channels]);
      await use('wasm');
      const before = liveCounts();
      const got = await sum('wasm', x, shape, bias, [channels]);
      const swapped = await sum('wasm', bias, [channels], x, shape);
      expect(liveCounts()).toEqual(before);
      // The same float32 additions: equal bit for bit.
      expect(got).toEqual(reference);
      expect(swapped).toEqual(reference);
    });
  }

  test('other adds still go to wasm and are right: same shapes, scalars, a [1] operand, int32, a bias that does not match', async () => {
    const a = [1.5, -2, 3.25, 4, 5, 6];
    for (const [b, bShape] of [[[0.5, 1, -1, 2, 2, 2], [2, 3]], [[10], []], [[10], [1]], [[1, 2], [2, 1]]] as Array<[number[], number[]]>) {
      expect(await sum('wasm', a, [2, 3], b, bShape)).toEqual(await sum('cpu', a, [2, 3], b, bShape));
    }
    expect(await sum('wasm', [1, 2, 3, 4, 5, 6], [2, 3], [1, 2, 3], [3], 'int32')).toEqual({ values: [2, 4, 6, 5, 7, 9], shape: [2, 3] });
    await use('wasm');
    expect(() => tf.add(tf.zeros([2, 3]), tf.zeros([2]))).toThrow(/broadcast/i);
  });
});
