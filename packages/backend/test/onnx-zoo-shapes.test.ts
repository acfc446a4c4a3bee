import * as tf from '@tensorflow/tfjs';
import { registerOnnxRuntimeKernels, unregisterOnnxRuntimeKernels } from '../src/node/onnx/register';
import { loadOnnxRuntime, type OnnxRuntime } from '../src/node/onnx/runtime';
import { registerWasmTrainingKernels } from '../src/wasm';
import { use } from './wasm-helpers';
import { onnxRuntimeInstalled } from './onnx-installed';

// Every convolution and dense layer of the zoo's three benchmark models, at their shapes (AlexNet-224
// at batch 2 to keep the suite fast): ORT's forward, input gradient and filter gradient against the
// zoo's wasm kernels, which the wasm suites check against cpu.
// 5e-5, not the 1e-5 of the suites against cpu: the wasm kernels are themselves that far from exact
// on long reductions (LeNet conv1's filter gradient sums 100,352 products: wasm 1.2e-5 from a
// float64 reference, ORT 7.6e-7).
const TOLERANCE = 5e-5;

/** wasm-helpers' relativeError (max-norm), in operators only: Math.* is intercepted under jest too. */
function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
    const m = b[i] < 0 ? -b[i] : b[i];
    if (d > diff || d !== d) diff = d !== d ? Infinity : d;
    if (m > scale) scale = m;
  }
  return scale === 0 ? diff : diff / scale;
}

/**
 * Deterministic values in [-1, 1) from integer arithmetic alone: under jest every use of a global
 * (Math.imul, in the seeded generator) is intercepted, which made 26 M values take minutes.
 */
function fill(shape: readonly number[], seed: number, scale = 1): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let state = seed % 2147483647 || 1;
  for (let i = 0; i < out.length; i++) {
    state = (state * 48271) % 2147483647;
    out[i] = scale * (state / 1073741823.5 - 1);
  }
  return out;
}

type Conv = [name: string, x: [number, number, number, number], filter: [number, number, number, number], stride: number, pad: 'same' | 'valid'];
const CONVS: Conv[] = [
  ['lenet5-relu conv1', [128, 28, 28, 1], [5, 5, 1, 6], 1, 'same'],
  ['lenet5-relu conv2', [128, 14, 14, 6], [5, 5, 6, 16], 1, 'valid'],
  ['alexnet-mini conv1', [128, 28, 28, 1], [3, 3, 1, 24], 1, 'same'],
  ['alexnet-mini conv2', [128, 14, 14, 24], [3, 3, 24, 48], 1, 'same'],
  ['alexnet-mini conv3', [128, 7, 7, 48], [3, 3, 48, 64], 1, 'same'],
  ['alexnet-mini conv5', [128, 7, 7, 64], [3, 3, 64, 48], 1, 'same'],
  // D2L AlexNet pads conv1's input by 1 (a ZeroPadding2D layer) and convolves 'valid'.
  ['alexnet conv1 (11x11/4)', [2, 226, 226, 1], [11, 11, 1, 96], 4, 'valid'],
  ['alexnet conv2', [2, 26, 26, 96], [5, 5, 96, 256], 1, 'same'],
  ['alexnet conv3', [2, 12, 12, 256], [3, 3, 256, 384], 1, 'same'],
  ['alexnet conv4', [2, 12, 12, 384], [3, 3, 384, 384], 1, 'same'],
  ['alexnet conv5', [2, 12, 12, 384], [3, 3, 384, 256], 1, 'same'],
];
type Dense = [name: string, batch: number, inputs: number, units: number];
const DENSES: Dense[] = [
  ['lenet5-relu fc1', 128, 400, 120],
  ['lenet5-relu fc2', 128, 120, 84],
  ['alexnet-mini fc1', 128, 432, 256],
  ['alexnet fc1', 2, 6400, 4096],
  ['alexnet fc2', 2, 4096, 4096],
];

let runtime: OnnxRuntime;

/** Forward, and the gradients of sum(output * weights), on the registered kernels. */
/** The tensors' values, the tensors disposed (tidy must not be handed typed arrays: it walks them). */
function read(tensors: tf.Tensor[]): Float32Array[] {
  const out = tensors.map((t) => t.dataSync() as Float32Array);
  tf.dispose(tensors);
  return out;
}

function convAll(c: Conv, x: Float32Array, w: Float32Array, weights: Float32Array): Float32Array[] {
  const tensors = tf.tidy(() => {
    const xs = tf.tensor4d(x, c[1]);
    const ws = tf.tensor4d(w, c[2]);
    const y = tf.conv2d(xs, ws, c[3], c[4]);
    const mask = tf.tensor(weights, y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c[3], c[4]), mask)))([xs, ws]);
    return [y, dx, dw];
  });
  return read(tensors);
}

function denseAll(d: Dense, x: Float32Array, w: Float32Array, dy: Float32Array): Float32Array[] {
  const tensors = tf.tidy(() => {
    const xs = tf.tensor2d(x, [d[1], d[2]]);
    const ws = tf.tensor2d(w, [d[2], d[3]]);
    const dys = tf.tensor2d(dy, [d[1], d[3]]);
    return [tf.matMul(xs, ws), tf.matMul(dys, ws, false, true), tf.matMul(xs, dys, true, false)];
  });
  return read(tensors);
}

(onnxRuntimeInstalled() ? describe : describe.skip)("ONNX Runtime equals the zoo's wasm kernels on the zoo's layers", () => {
  beforeAll(async () => {
    runtime = await loadOnnxRuntime(2);
    await use('wasm');
  });
  afterAll(() => {
    unregisterOnnxRuntimeKernels();
    registerWasmTrainingKernels();
  });

  test.each(CONVS)('%s: forward, dx, dW', (name, xShape, fShape, stride, pad) => {
    const c: Conv = [name, xShape, fShape, stride, pad];
    const seed = xShape[1] * 97 + fShape[3];
    const x = fill(xShape, seed);
    const w = fill(fShape, seed + 1, 0.1);
    const outShape = tf.tidy(() => tf.conv2d(tf.zeros<tf.Rank.R4>(xShape), tf.zeros<tf.Rank.R4>(fShape), stride, pad).shape);
    const weights = fill(outShape, seed + 2);
    registerOnnxRuntimeKernels(runtime, { policy: 'never' });
    const reference = convAll(c, x, w, weights);
    const kernels = registerOnnxRuntimeKernels(runtime, { policy: 'always' });
    const got = convAll(c, x, w, weights);
    ['forward', 'dx', 'dW'].forEach((what, i) => expect({ what, close: relativeError(got[i], reference[i]) < TOLERANCE }).toEqual({ what, close: true }));
    expect(kernels.counts.Conv2D?.onnx).toBeGreaterThanOrEqual(1);
    expect(kernels.counts.Conv2DBackpropFilter).toEqual({ onnx: 1, wasm: 0 });
    expect(kernels.counts.Conv2DBackpropInput).toEqual({ onnx: 1, wasm: 0 });
  });

  test.each(DENSES)('%s (batch %i, %i -> %i): forward, dx, dW', (name, batch, inputs, units) => {
    const d: Dense = [name, batch, inputs, units];
    const x = fill([batch, inputs], inputs);
    const w = fill([inputs, units], units, 0.05);
    const dy = fill([batch, units], inputs + units);
    registerOnnxRuntimeKernels(runtime, { policy: 'never' });
    const reference = denseAll(d, x, w, dy);
    const kernels = registerOnnxRuntimeKernels(runtime, { policy: 'always' });
    const got = denseAll(d, x, w, dy);
    ['forward', 'dx', 'dW'].forEach((what, i) => expect({ what, close: relativeError(got[i], reference[i]) < TOLERANCE }).toEqual({ what, close: true }));
    expect(kernels.counts.BatchMatMul).toEqual({ onnx: 3, wasm: 0 });
  });
});
