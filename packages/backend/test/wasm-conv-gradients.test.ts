import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels, type WasmTrainingKernelOptions } from '../src/wasm';
import { batchChunks, chooseFilterGradient } from '../src/wasm/conv2d-backprop-filter';
import { caseName, convGradients, cpuReference, makeCases, type ConvCase } from './conv-cases';
import { liveCounts, relativeError, seeded, use, values } from './wasm-helpers';

const TOLERANCE = 1e-5;

/** The two kernel configurations under test: each filter-gradient algorithm, each input path. */
const CONFIGS: [string, WasmTrainingKernelOptions][] = [
  ['dW dilated, dx flipped', { filterGradient: 'dilated', inputGradient: 'flipped' }],
  ['dW im2col, dx auto', { filterGradient: 'im2col', inputGradient: 'auto' }],
  ['dW auto, dx native', { filterGradient: 'auto', inputGradient: 'native' }],
];

describe('conv2d gradients on wasm equal cpu', () => {
  beforeAll(async () => {
    await use('wasm');
  });

  for (const c of makeCases()) {
    test(caseName(c), async () => {
      const { x, w, weights, outShape, reference } = await cpuReference(c);

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
