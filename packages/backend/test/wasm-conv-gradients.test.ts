import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels, type WasmTrainingKernelOptions } from '../src/wasm';
import { batchChunks, chooseFilterGradient } from '../src/wasm/conv2d-backprop-filter';
import { between, liveCounts, relativeError, seeded, use, values } from './wasm-helpers';

type Explicit = [[number, number], [number, number], [number, number], [number, number]];
type Pad = 'same' | 'valid' | number | Explicit;

interface ConvCase {
  label: string;
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  strides: [number, number];
  pad: Pad;
}

const TOLERANCE = 1e-5;

/** The two kernel configurations under test: each filter-gradient algorithm, each input path. */
const CONFIGS: [string, WasmTrainingKernelOptions][] = [
  ['dW dilated, dx flipped', { filterGradient: 'dilated', inputGradient: 'flipped' }],
  ['dW im2col, dx auto', { filterGradient: 'im2col', inputGradient: 'auto' }],
  ['dW auto, dx native', { filterGradient: 'auto', inputGradient: 'native' }],
];

/** Seeded random cases: every stride 1-4 with same, valid and explicit padding, then edge cases. */
function makeCases(): ConvCase[] {
  const random = seeded(8474);
  const cases: ConvCase[] = [];
  const kinds = ['same', 'valid', 'explicit'] as const;
  for (let stride = 1; stride <= 4; stride++) {
    for (const kind of kinds) {
      const kernel: [number, number] = [between(random, 1, 11), between(random, 1, 11)];
      const pad: Pad =
        kind === 'explicit'
          ? [
              [0, 0],
              // Up to the kernel size, so some pads exceed kernel - 1 (rows no output reads).
              [between(random, 0, kernel[0]), between(random, 0, kernel[0])],
              [between(random, 0, kernel[1]), between(random, 0, kernel[1])],
              [0, 0],
            ]
          : kind;
      cases.push({
        label: `stride ${stride}, ${kind}`,
        batch: between(random, 1, 4),
        height: kernel[0] + between(random, 0, 10),
        width: kernel[1] + between(random, 0, 10),
        inChannels: between(random, 1, 5),
        outChannels: between(random, 1, 5),
        kernel,
        strides: [stride, stride],
        pad,
      });
    }
  }
  const base = { batch: 2, height: 9, width: 8, inChannels: 3, outChannels: 2, strides: [1, 1] as [number, number] };
  cases.push(
    { ...base, label: 'batch 1, one channel in and out', batch: 1, inChannels: 1, outChannels: 1, kernel: [3, 3], pad: 'same' },
    { ...base, label: 'batch 32', batch: 32, height: 6, width: 6, kernel: [3, 3], pad: 'same' },
    { ...base, label: 'kernel 1x1, stride 2', kernel: [1, 1], strides: [2, 2], pad: 'valid' },
    { ...base, label: 'kernel 11x11 on 11x11', height: 11, width: 11, kernel: [11, 11], pad: 'valid' },
    { ...base, label: 'numeric pad 2, strides 1x3', kernel: [5, 3], strides: [1, 3], pad: 2 },
    // im2col transposes the patch matrix when it is no wider than dy (here 9 columns against 24).
    { ...base, label: 'first layer: one channel in, 24 out', batch: 3, height: 12, width: 12, inChannels: 1, outChannels: 24, kernel: [3, 3], pad: 'same' },
    { ...base, label: 'first layer, stride 2, explicit pad', batch: 2, height: 13, width: 11, inChannels: 1, outChannels: 16, kernel: [3, 3], strides: [2, 2], pad: [[0, 0], [0, 2], [1, 0], [0, 0]] },
    { ...base, label: 'every window in the padding', batch: 1, height: 1, width: 1, kernel: [1, 1], strides: [4, 4], pad: 1 },
    {
      label: 'AlexNet-like conv1 (11x11, stride 4, pad 1) at 63 px',
      batch: 2,
      height: 63,
      width: 63,
      inChannels: 3,
      outChannels: 8,
      kernel: [11, 11],
      strides: [4, 4],
      pad: [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ],
    },
  );
  return cases;
}

interface Gradients {
  dx: Float32Array;
  dw: Float32Array;
}

/** dx and dW of sum(conv2d(x, w) * weights), computed on the active backend. */
function convGradients(c: ConvCase, x: Float32Array, w: Float32Array, weights: Float32Array, outShape: number[]): Gradients {
  return tf.tidy(() => {
    const xs = tf.tensor4d(x, [c.batch, c.height, c.width, c.inChannels]);
    const ws = tf.tensor4d(w, [...c.kernel, c.inChannels, c.outChannels]);
    const mask = tf.tensor(weights, outShape);
    const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), mask));
    const [dx, dw] = tf.grads(loss)([xs, ws]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

describe('conv2d gradients on wasm equal cpu', () => {
  beforeAll(async () => {
    await use('wasm');
  });

  for (const c of makeCases()) {
    const name = `${c.label}: x ${c.batch}x${c.height}x${c.width}x${c.inChannels}, w ${c.kernel.join('x')}x${c.inChannels}x${c.outChannels}, pad ${JSON.stringify(c.pad)}`;
    test(name, async () => {
      const random = seeded(c.height * 131 + c.width * 17 + c.kernel[0]);
      const x = values(random, [c.batch, c.height, c.width, c.inChannels]);
      const w = values(random, [...c.kernel, c.inChannels, c.outChannels]);
      await use('cpu');
      const outShape = tf.tidy(() => tf.conv2d(tf.zeros<tf.Rank.R4>([c.batch, c.height, c.width, c.inChannels]), tf.zeros<tf.Rank.R4>([...c.kernel, c.inChannels, c.outChannels]), c.strides, c.pad).shape);
      const weights = values(random, outShape);
      const reference = convGradients(c, x, w, weights, outShape);

      await use('wasm');
      for (const [label, options] of CONFIGS) {
        registerWasmTrainingKernels(options);
        const before = liveCounts();
        const got = convGradients(c, x, w, weights, outShape);
        expect({ label, leaked: liveCounts() }).toEqual({ label, leaked: before });
        expect({ label, dx: relativeError(got.dx, reference.dx) < TOLERANCE }).toEqual({ label, dx: true });
        expect({ label, dw: relativeError(got.dw, reference.dw) < TOLERANCE }).toEqual({ label, dw: true });
      }
      registerWasmTrainingKernels();
    });
  }

  test('the filter gradient summed over batch chunks equals the unchunked one', async () => {
    const c: ConvCase = { label: 'chunked', batch: 7, height: 10, width: 9, inChannels: 3, outChannels: 4, kernel: [3, 4], strides: [2, 1], pad: 'same' };
    const random = seeded(7);
    const x = values(random, [c.batch, c.height, c.width, c.inChannels]);
    const w = values(random, [...c.kernel, c.inChannels, c.outChannels]);
    const weights = values(random, [c.batch, 5, 9, c.outChannels]);
    await use('cpu');
    const reference = convGradients(c, x, w, weights, [c.batch, 5, 9, c.outChannels]);
    await use('wasm');
    for (const filterGradient of ['dilated', 'im2col'] as const) {
      // 600 elements hold two batch items of the dilated version's largest intermediate (so 7 splits
      // as 2+2+2+1) and less than one of im2col's (one item per chunk).
      registerWasmTrainingKernels({ filterGradient, maxChunkElements: 600 });
      const before = liveCounts();
      const got = convGradients(c, x, w, weights, [c.batch, 5, 9, c.outChannels]);
      expect(liveCounts()).toEqual(before);
      expect({ filterGradient, error: relativeError(got.dw, reference.dw) < TOLERANCE }).toEqual({ filterGradient, error: true });
    }
    registerWasmTrainingKernels();
  });
});

describe('chooseFilterGradient', () => {
  test.each([
    ['alexnet-mini conv1', 1, 24, 3, 'im2col'],
    ['alexnet-mini conv2', 24, 48, 3, 'dilated'],
    ['lenet conv1', 1, 6, 5, 'dilated'],
    ['alexnet conv1', 1, 96, 11, 'dilated'],
    ['alexnet conv3', 256, 384, 3, 'dilated'],
  ])('%s (Cin %i, Cout %i, kernel %i): %s', (_name, inChannels, outChannels, k, expected) => {
    expect(chooseFilterGradient({ inChannels, outChannels, filterHeight: k, filterWidth: k })).toBe(expected);
  });
});

describe('batchChunks', () => {
  test.each([
    [7, 100, 300, 3],
    [21, 100, 500, 5],
    [256, 1000, 1 << 16, 4],
    [5, 10, 1000, 1],
    [3, 5000, 100, 3],
  ])('batch %i, %i elements per item, budget %i: %i chunks within one item of each other', (batch, perItem, budget, count) => {
    const chunks = batchChunks(batch, perItem, budget);
    expect(chunks).toHaveLength(count);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(batch);
    const largest = Math.max(...chunks);
    expect(largest - Math.min(...chunks)).toBeLessThanOrEqual(1);
    // Within budget unless a single item already exceeds it.
    expect(largest * perItem <= budget || largest === 1).toBe(true);
  });
});

describe('registerWasmTrainingKernels', () => {
  test('registers a wasm Conv2DBackpropFilter, which wasm lacks, and is idempotent', async () => {
    await use('wasm');
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  test('rejects unknown options with the valid ones listed', () => {
    expect(() => registerWasmTrainingKernels({ filterGradient: 'fft' as never })).toThrow(/valid: auto, dilated, im2col/);
    expect(() => registerWasmTrainingKernels({ inputGradient: 'fft' as never })).toThrow(/valid: auto, flipped, native/);
    expect(() => registerWasmTrainingKernels({ maxChunkElements: 0 })).toThrow(/positive integer/);
    registerWasmTrainingKernels();
  });
});
