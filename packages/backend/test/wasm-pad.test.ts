import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '../src/wasm';
import { liveCounts, seeded, use, values } from './wasm-helpers';

/** tf.pad of x on `backend`, as numbers, with its shape and dtype. */
async function pad(backend: 'cpu' | 'wasm', x: ArrayLike<number>, shape: number[], paddings: Array<[number, number]>, constant: number, dtype: 'float32' | 'int32' = 'float32'): Promise<{ values: number[]; shape: number[]; dtype: string }> {
  await use(backend);
  return tf.tidy(() => {
    const out = tf.pad(tf.tensor(Array.from(x), shape, dtype), paddings, constant);
    return { values: Array.from(out.dataSync()), shape: out.shape, dtype: out.dtype };
  });
}

describe('PadV2 on wasm equals cpu', () => {
  beforeAll(async () => {
    await use('wasm');
    registerWasmTrainingKernels();
  });

  // AlexNet's input padding (height and width of NHWC, one channel), padding on the last axis, on
  // the first only, on every axis, unequal sides, none at all, and ranks 1-5.
  const cases: Array<[number[], Array<[number, number]>, number]> = [
    [[2, 6, 5, 1], [[0, 0], [1, 1], [1, 1], [0, 0]], 0],
    [[2, 4, 3, 3], [[0, 0], [2, 0], [0, 3], [0, 0]], -1.5],
    [[2, 3, 4], [[0, 0], [0, 0], [1, 2]], 7],
    [[3, 2, 2], [[1, 2], [0, 0], [0, 0]], 0],
    [[2, 2, 3, 2], [[1, 1], [1, 0], [0, 2], [1, 1]], 0.25],
    [[2, 3], [[0, 0], [0, 0]], 0],
    [[5], [[3, 1]], 2],
    [[2, 1, 2, 2, 3], [[0, 1], [1, 0], [0, 0], [2, 1], [0, 0]], 0],
  ];
  for (const [shape, paddings, constant] of cases) {
    test(`[${shape}] padded by ${JSON.stringify(paddings)} with ${constant}`, async () => {
      const random = seeded(shape.reduce((a, b) => a * 31 + b, 7));
      const x = values(random, shape);
      const reference = await pad('cpu', x, shape, paddings, constant);
      await use('wasm');
      const before = liveCounts();
      const got = await pad('wasm', x, shape, paddings, constant);
      expect(liveCounts()).toEqual(before);
      // Copies and the constant, nothing computed: equal bit for bit.
      expect(got).toEqual(reference);
    });
  }

  test('int32, an empty x, and the gradient through the pad (a Slice of dy)', async () => {
    const ints = [1, -2, 3, 4, 5, 6];
    expect(await pad('wasm', ints, [2, 3], [[1, 0], [0, 1]], 9, 'int32')).toEqual(await pad('cpu', ints, [2, 3], [[1, 0], [0, 1]], 9, 'int32'));
    expect(await pad('wasm', [], [0, 3], [[1, 1], [0, 0]], 4)).toEqual({ values: [4, 4, 4, 4, 4, 4], shape: [2, 3], dtype: 'float32' });
    const grad = async (backend: 'cpu' | 'wasm'): Promise<number[]> => {
      await use(backend);
      return tf.tidy(() => {
        const x = tf.tensor([[1, 2], [3, 4]]);
        const g = tf.grad((t: tf.Tensor) => tf.pad(t, [[1, 1], [0, 2]], 3).square().sum())(x);
        return Array.from(g.dataSync());
      });
    };
    expect(await grad('wasm')).toEqual(await grad('cpu'));
  });
});
