import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '../src/wasm';
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
