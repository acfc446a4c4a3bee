import * as tf from '@tensorflow/tfjs';
import { registerOnnxRuntimeKernels, unregisterOnnxRuntimeKernels } from '../src/node/onnx/register';
import { loadOnnxRuntime, type OnnxRuntime } from '../src/node/onnx/runtime';
import type { OnnxKernels } from '../src/node/onnx/kernels';
import { registerWasmTrainingKernels } from '../src/wasm';
import { caseName, convGradients, cpuReference, makeCases } from './conv-cases';
import { poolGradient, POOL_CASES } from './pool-cases';
import { gradients, SHAPES } from './small-cnn';
import { liveCounts, relativeError, seeded, use, values } from './wasm-helpers';
import { onnxRuntimeInstalled } from './onnx-installed';

const TOLERANCE = 1e-5;

const suite = onnxRuntimeInstalled() ? describe : describe.skip;
if (!onnxRuntimeInstalled()) console.warn('onnxruntime-node is not installed: the ONNX Runtime kernel tests are skipped');

let runtime: OnnxRuntime;

function register(policy: 'always' | 'never' | 'auto'): OnnxKernels {
  return registerOnnxRuntimeKernels(runtime, { policy });
}

function onnxCalls(kernels: OnnxKernels, name: string): number {
  return kernels.counts[name]?.onnx ?? 0;
}

suite('ONNX Runtime kernels on wasm', () => {
  beforeAll(async () => {
    runtime = await loadOnnxRuntime(2);
    await use('wasm');
  });
  afterAll(() => {
    unregisterOnnxRuntimeKernels();
  });

  describe.each([
    ['dilated', 'transpose'],
    ['im2col', 'conv'],
  ] as const)('conv2d gradients equal cpu (the wasm suite cases), %s filter gradient, input gradient as %s', (filterGradient, inputGradient) => {
    for (const c of makeCases()) {
      test(caseName(c), async () => {
        const { x, w, weights, outShape, reference } = await cpuReference(c);
        await use('wasm');
        const kernels = registerOnnxRuntimeKernels(runtime, { policy: 'always', filterGradient, inputGradient });
        const before = liveCounts();
        const got = convGradients(c, x, w, weights, outShape);
        expect(liveCounts()).toEqual(before);
        expect(relativeError(got.dx, reference.dx)).toBeLessThan(TOLERANCE);
        expect(relativeError(got.dw, reference.dw)).toBeLessThan(TOLERANCE);
        // Every filter gradient ran on ORT, and every forward whose TF.js shape is the convolution's
        // (TF.js sizes a numeric pad with the filter height and stride height in both dimensions).
        expect(onnxCalls(kernels, 'Conv2DBackpropFilter')).toBe(1);
        expect(onnxCalls(kernels, 'Conv2D')).toBe(c.label === 'numeric pad 2, strides 1x3' ? 0 : 1);
      });
    }
  });

  describe('max-pool gradients equal cpu (the wasm suite cases: ties, all-negative windows)', () => {
    for (const c of POOL_CASES) {
      test(`${c.label}: ${c.shape.join('x')}`, async () => {
        const random = seeded(c.shape.reduce((a, b) => a * 31 + b, c.filter));
        const x = c.fill(random, c.shape.reduce((a, b) => a * b, 1));
        await use('cpu');
        const outShape = tf.tidy(() => tf.maxPool(tf.zeros<tf.Rank.R4>(c.shape), c.filter, c.stride, c.pad).shape);
        const weights = values(random, outShape);
        const reference = poolGradient('max', c, x, weights, outShape);
        await use('wasm');
        const kernels = register('always');
        const before = liveCounts();
        const got = poolGradient('max', c, x, weights, outShape);
        expect(liveCounts()).toEqual(before);
        expect(relativeError(got, reference)).toBeLessThan(1e-6);
        // Overlapping windows (stride below the window) stay on the zoo's kernel.
        expect(kernels.counts.MaxPoolGrad).toEqual(c.stride >= c.filter ? { onnx: 1, wasm: 0 } : { onnx: 0, wasm: 1 });
      });
    }
  });

  test.each([
    ['linear', undefined],
    ['relu', 'bias'],
    ['sigmoid', 'bias'],
    ['linear', 'bias'],
  ] as const)('fused conv2d (%s, %s) equals cpu and runs on ORT', async (activation, withBias) => {
    const random = seeded(activation.length * 7 + (withBias ? 1 : 0));
    const x = values(random, [3, 13, 11, 5]);
    const w = values(random, [3, 4, 5, 7]);
    const b = values(random, [7]);
    const run = (): Float32Array =>
      tf.tidy(() => tf.fused.conv2d({ x: tf.tensor4d(x, [3, 13, 11, 5]), filter: tf.tensor4d(w, [3, 4, 5, 7]), strides: [2, 1], pad: 'same', bias: withBias ? tf.tensor1d(b) : undefined, activation }).dataSync() as Float32Array);
    await use('cpu');
    const reference = run();
    await use('wasm');
    const kernels = register('always');
    expect(relativeError(run(), reference)).toBeLessThan(TOLERANCE);
    expect(onnxCalls(kernels, 'FusedConv2D')).toBe(1);
  });

  test('an activation ORT is not given (elu) stays on wasm and is still right', async () => {
    const random = seeded(3);
    const x = values(random, [2, 6, 6, 3]);
    const w = values(random, [3, 3, 3, 4]);
    const run = (): Float32Array => tf.tidy(() => tf.fused.conv2d({ x: tf.tensor4d(x, [2, 6, 6, 3]), filter: tf.tensor4d(w, [3, 3, 3, 4]), strides: 1, pad: 'valid', activation: 'elu' }).dataSync() as Float32Array);
    await use('cpu');
    const reference = run();
    await use('wasm');
    const kernels = register('always');
    expect(relativeError(run(), reference)).toBeLessThan(TOLERANCE);
    expect(kernels.counts.FusedConv2D).toEqual({ onnx: 0, wasm: 1 });
  });

  describe('matrix products equal cpu', () => {
    const cases: [number, number, number, boolean, boolean][] = [];
    for (const ta of [false, true]) for (const tb of [false, true]) cases.push([33, 17, 9, ta, tb], [1, 40, 1, ta, tb]);
    test.each(cases)('m %i k %i n %i, transposeA %s, transposeB %s (rank 2 and 3)', async (m, k, n, ta, tb) => {
      const random = seeded(m * 31 + k * 7 + n + (ta ? 1000 : 0) + (tb ? 2000 : 0));
      const a = values(random, ta ? [k, m] : [m, k]);
      const b = values(random, tb ? [n, k] : [k, n]);
      const run = (rank3: boolean): Float32Array =>
        tf.tidy(() => {
          const ta3 = tf.tensor(a, rank3 ? [1, ...(ta ? [k, m] : [m, k])] : ta ? [k, m] : [m, k]);
          const tb3 = tf.tensor(b, rank3 ? [1, ...(tb ? [n, k] : [k, n])] : tb ? [n, k] : [k, n]);
          const out = tf.matMul(ta3, tb3, ta, tb);
          expect(out.shape).toEqual(rank3 ? [1, m, n] : [m, n]);
          return out.dataSync() as Float32Array;
        });
      await use('cpu');
      const reference = run(false);
      await use('wasm');
      const kernels = register('always');
      expect(relativeError(run(false), reference)).toBeLessThan(TOLERANCE);
      expect(relativeError(run(true), reference)).toBeLessThan(TOLERANCE);
      expect(onnxCalls(kernels, 'BatchMatMul')).toBe(2);
    });

    test('dense with bias and relu (_FusedMatMul) runs on ORT; a batched product stays on wasm', async () => {
      const random = seeded(11);
      const x = values(random, [16, 30]);
      const w = values(random, [30, 12]);
      const bias = values(random, [12]);
      const xs = values(random, [3, 5, 4]);
      const ws = values(random, [3, 4, 6]);
      const run = (): Float32Array[] =>
        tf.tidy(() => [
          tf.fused.matMul({ a: tf.tensor2d(x, [16, 30]), b: tf.tensor2d(w, [30, 12]), bias: tf.tensor1d(bias), activation: 'relu' }).dataSync() as Float32Array,
          tf.matMul(tf.tensor3d(xs, [3, 5, 4]), tf.tensor3d(ws, [3, 4, 6])).dataSync() as Float32Array,
        ]);
      await use('cpu');
      const [fused, batched] = run();
      await use('wasm');
      const kernels = register('always');
      const [gotFused, gotBatched] = run();
      expect(relativeError(gotFused, fused)).toBeLessThan(TOLERANCE);
      expect(relativeError(gotBatched, batched)).toBeLessThan(TOLERANCE);
      expect(kernels.counts._FusedMatMul).toEqual({ onnx: 1, wasm: 0 });
      expect(kernels.counts.BatchMatMul).toEqual({ onnx: 0, wasm: 1 });
    });
  });

  test.each(['always', 'auto'] as const)("a small CNN's every parameter gradient equals cpu's (policy %s)", async (policy) => {
    await use('cpu');
    const reference = gradients();
    await use('wasm');
    const kernels = register(policy);
    const got = gradients();
    for (const name of Object.keys(SHAPES)) {
      expect({ name, close: relativeError(got[name], reference[name]) < TOLERANCE }).toEqual({ name, close: true });
    }
    if (policy === 'always') expect(onnxCalls(kernels, 'Conv2DBackpropFilter')).toBe(2);
  });

  test('one session per call shape, reused; unregistering releases them and restores the wasm kernels', async () => {
    await use('wasm');
    const kernels = register('always');
    const x = tf.ones<tf.Rank.R4>([2, 8, 8, 3]);
    const w = tf.ones<tf.Rank.R4>([3, 3, 3, 4]);
    for (let i = 0; i < 3; i++) tf.conv2d(x, w, 1, 'same').dispose();
    tf.conv2d(x, w, 1, 'valid').dispose();
    expect(kernels.sessionCount()).toBe(2);
    expect(kernels.counts.Conv2D).toEqual({ onnx: 4, wasm: 0 });
    unregisterOnnxRuntimeKernels();
    expect(kernels.sessionCount()).toBe(0);
    const y = tf.conv2d(x, w, 1, 'same');
    expect(y.dataSync()[0]).toBe(12); // a corner: 2x2 window x 3 channels
    expect(kernels.counts.Conv2D).toEqual({ onnx: 4, wasm: 0 });
    tf.dispose([x, w, y]);
    registerWasmTrainingKernels();
  });

  test('rejects an unknown policy, naming the valid ones', () => {
    expect(() => registerOnnxRuntimeKernels(runtime, { policy: 'sometimes' as never })).toThrow(/valid: auto, always, never/);
  });
});
