import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../src/wasm';
import { setWasmBackendWithThreads } from '../src/node';
import { simdKernels } from '../src/wasm/simd/kernels';
import { poolGradient, POOL_CASES } from './pool-cases';
import { liveCounts, relativeError, seeded, use, values } from './wasm-helpers';

// This file must start wasm itself: the thread pool is fixed when the backend first initialises,
// and jest gives every test file a fresh TF.js engine.

function convGradients(x: Float32Array, w: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const xs = tf.tensor4d(x, [4, 20, 20, 8]);
    const ws = tf.tensor4d(w, [5, 5, 8, 16]);
    const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')));
    return tf.grads(loss)([xs, ws]).map((g) => g.dataSync() as Float32Array);
  });
}

describe('setWasmBackendWithThreads', () => {
  test('rejects a thread count outside 1-8 before touching the backend', async () => {
    await expect(setWasmBackendWithThreads(0)).rejects.toThrow(/from 1 to 8; got 0/);
    await expect(setWasmBackendWithThreads(9)).rejects.toThrow(/from 1 to 8; got 9/);
    await expect(setWasmBackendWithThreads(1.5)).rejects.toThrow(/got 1.5/);
    expect(tf.engine().registry.wasm).toBeUndefined();
  });

  test("starts Node's wasm backend on two threads, and its gradients equal cpu's", async () => {
    expect(await setWasmBackendWithThreads(2)).toBe(2);
    expect(tf.getBackend()).toBe('wasm');
    expect(getThreadsCount()).toBe(2);
    registerWasmTrainingKernels();

    const random = seeded(3830);
    const x = values(random, [4, 20, 20, 8]);
    const w = values(random, [5, 5, 8, 16]);
    const before = liveCounts();
    const [dx, dw] = convGradients(x, w);
    expect(liveCounts()).toEqual(before);
    await use('cpu');
    const [refDx, refDw] = convGradients(x, w);
    expect(relativeError(dx, refDx)).toBeLessThan(1e-5);
    expect(relativeError(dw, refDw)).toBeLessThan(1e-5);
    await use('wasm');
  });

  test("the SIMD max-pool gradient runs on the threaded build's shared heap and equals cpu's", async () => {
    expect(simdKernels(tf.backend() as BackendWasm)).toBeDefined();
    // Ties, overlapping windows and an overlapping last channel block.
    const c = POOL_CASES.find((p) => p.label.startsWith('overlapping 3x3/2 same on 9 channels'));
    if (c === undefined) throw new Error('pool-cases.ts lost its 9-channel case');
    const random = seeded(8742);
    const x = c.fill(random, c.shape.reduce((a, b) => a * b, 1));
    const outShape = tf.tidy(() => tf.maxPool(tf.zeros<tf.Rank.R4>(c.shape), c.filter, c.stride, c.pad).shape);
    const weights = values(random, outShape);
    const got = poolGradient('max', c, x, weights, outShape);
    await use('cpu');
    const reference = poolGradient('max', c, x, weights, outShape);
    await use('wasm');
    expect(relativeError(got, reference)).toBeLessThan(1e-6);
  });

  test('refuses to run once wasm is initialised, since its thread pool is fixed by then', async () => {
    await expect(setWasmBackendWithThreads(2)).rejects.toThrow(/already initialised/);
  });
});
