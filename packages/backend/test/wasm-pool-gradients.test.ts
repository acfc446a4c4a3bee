import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../src/wasm';
import { simdKernels } from '../src/wasm/simd/kernels';
import { poolGradient, POOL_CASES } from './pool-cases';
import { liveCounts, relativeError, seeded, use, values } from './wasm-helpers';

describe('pooling gradients on wasm equal cpu', () => {
  beforeAll(async () => {
    await use('wasm');
    registerWasmTrainingKernels();
  });

  for (const pool of ['max', 'avg'] as const) {
    for (const c of POOL_CASES) {
      test(`${pool} pool, ${c.label}: ${c.shape.join('x')}`, async () => {
        const random = seeded(c.shape.reduce((a, b) => a * 31 + b, c.filter));
        const x = c.fill(random, c.shape.reduce((a, b) => a * b, 1));
        await use('cpu');
        const outShape = tf.tidy(() => tf.maxPool(tf.zeros<tf.Rank.R4>(c.shape), c.filter, c.stride, c.pad).shape);
        const weights = values(random, outShape);
        const reference = poolGradient(pool, c, x, weights, outShape);
        await use('wasm');
        const before = liveCounts();
        const got = poolGradient(pool, c, x, weights, outShape);
        expect(liveCounts()).toEqual(before);
        expect(relativeError(got, reference)).toBeLessThan(1e-6);
      });
    }
  }
});

describe('the SIMD max-pool gradient', () => {
  beforeAll(async () => {
    await use('wasm');
    registerWasmTrainingKernels();
  });

  test('loads on the wasm heap here', () => {
    expect(simdKernels(tf.backend() as BackendWasm)).toBeDefined();
  });

  // Every input the SIMD kernel sees a channel block of: ties, NaN and -Infinity windows (which
  // route nowhere), 1-3 channels (its scalar path) and overlapping last blocks.
  const shapes: Array<[number, number, number, number]> = [[2, 9, 9, 1], [2, 9, 9, 3], [2, 9, 9, 6], [1, 12, 10, 13]];
  for (const shape of shapes) {
    for (const [filter, stride, pad] of [[2, 2, 'valid'], [3, 2, 'same'], [3, 1, 'valid']] as const) {
      test(`equals the JavaScript kernel bit for bit: ${shape.join('x')}, ${filter}x${filter}/${stride} ${pad}`, async () => {
        const random = seeded(shape.reduce((a, b) => a * 31 + b, filter * 7 + stride));
        const size = shape.reduce((a, b) => a * b, 1);
        const specials = [Number.NaN, Number.NEGATIVE_INFINITY, 0, -1];
        const x = Float32Array.from({ length: size }, () => {
          const r = random();
          return r < 0.1 ? specials[Math.floor(random() * specials.length)] : Math.round(r * 4) - 2;
        });
        // A window entirely of -Infinity, and one entirely of NaN, in the first image.
        x.fill(Number.NEGATIVE_INFINITY, 0, shape[3] * 2);
        x.fill(Number.NaN, shape[2] * shape[3], shape[2] * shape[3] + shape[3] * 2);
        const outShape = tf.tidy(() => tf.maxPool(tf.zeros<tf.Rank.R4>(shape), filter, stride, pad).shape);
        const weights = values(random, outShape);
        const c = { label: '', shape, filter, stride, pad, fill: () => x };
        registerWasmTrainingKernels({ simdMaxPoolGrad: false });
        const javascript = poolGradient('max', c, x, weights, outShape);
        registerWasmTrainingKernels();
        const before = liveCounts();
        const simd = poolGradient('max', c, x, weights, outShape);
        expect(liveCounts()).toEqual(before);
        expect(Array.from(simd)).toEqual(Array.from(javascript));
        await use('cpu');
        const reference = poolGradient('max', c, x, weights, outShape);
        await use('wasm');
        expect(relativeError(simd, reference)).toBeLessThan(1e-6);
      });
    }
  }
});
