import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../src/wasm';
import { maxPoolGradValues } from '../src/wasm/max-pool-grad';
import { runMaxPoolGrad, simdKernels } from '../src/wasm/simd/kernels';
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

describe('the SIMD max-pool kernels on the heap', () => {
  beforeAll(async () => {
    await use('wasm');
  });

  // maxPoolGrad takes a straight-line path for 2x2 windows inside the image, stepped loops for
  // other windows inside it, and the bounds-checked loop for windows over a border; channels go
  // four at a time (the last block overlapping the one before when C is not a multiple of 4) or,
  // below 4, one at a time; it zeroes dx row by row as windows reach it, and the rows none reach.
  // Dilation and strides over the window do not reach it through tf.maxPool, so these call it directly.
  const pools: Array<[string, number, number, number, 'valid' | 'same', number, number]> = [
    ['2x2/2 valid', 2, 2, 1, 'valid', 9, 8],
    ['2x2/2 same on odd sizes (border windows)', 2, 2, 1, 'same', 7, 9],
    ['2x2/1 valid (overlapping 2x2)', 2, 1, 1, 'valid', 6, 7],
    ['3x3/2 valid (overlapping)', 3, 2, 1, 'valid', 11, 9],
    ['3x3/2 same', 3, 2, 1, 'same', 9, 10],
    ['3x3/1 same', 3, 1, 1, 'same', 6, 6],
    ['2x2/1 dilated 2, valid', 2, 1, 2, 'valid', 7, 8],
    ['3x3/1 dilated 2, same', 3, 1, 2, 'same', 8, 9],
    ['2x2/3 valid (rows and columns between windows)', 2, 3, 1, 'valid', 10, 8],
  ];
  for (const channels of [1, 3, 4, 5, 6, 8, 24]) {
    for (const [label, filter, stride, dilation, pad, height, width] of pools) {
      test(`${label}, ${channels} channels: dx equals the JavaScript kernel's bit for bit`, () => {
        const backend = tf.backend() as BackendWasm;
        const kernels = simdKernels(backend);
        if (kernels === undefined) throw new Error('the SIMD module does not load on this heap');
        const shape: [number, number, number, number] = [2, height, width, channels];
        const info = tf.backend_util.computePool2DInfo(shape, filter, stride, dilation, pad);
        const random = seeded(channels * 1009 + filter * 101 + stride * 11 + dilation * 7 + height);
        // Few distinct values: ties inside windows and across overlapping ones; and the values
        // that route nowhere (NaN, -Infinity) or compare equal (0 and -0).
        const specials = [Number.NaN, Number.NEGATIVE_INFINITY, 0, -0];
        const size = shape.reduce((a, b) => a * b, 1);
        const x = Float32Array.from({ length: size }, () => {
          const r = random();
          return r < 0.15 ? specials[Math.floor(random() * specials.length)] : Math.round(r * 4) - 2;
        });
        // A window of only -Infinity and one of only NaN in the first image's first row.
        x.fill(Number.NEGATIVE_INFINITY, 0, channels * 2);
        x.fill(Number.NaN, channels * 4, channels * 6);
        const outShape = [info.batchSize, info.outHeight, info.outWidth, channels];
        const dy = values(random, outShape);
        dy[0] = -0;
        const expected = new Float32Array(size);
        maxPoolGradValues(x, dy, expected, info);

        const onHeap = [backend.makeOutput(shape, 'float32'), backend.makeOutput(outShape, 'float32'), backend.makeOutput(shape, 'float32')];
        try {
          const [xAt, dyAt, dxAt] = onHeap.map((t) => backend.typedArrayFromHeap(t));
          (xAt as Float32Array).set(x);
          (dyAt as Float32Array).set(dy);
          // The kernel writes all of dx, rows no window reads included.
          dxAt.fill(Number.NaN);
          runMaxPoolGrad(backend, kernels, { x: onHeap[0], dy: onHeap[1], dx: onHeap[2] }, info);
          expect(Array.from(backend.typedArrayFromHeap(onHeap[2]))).toEqual(Array.from(expected));
        } finally {
          for (const t of onHeap) backend.disposeData(t.dataId);
        }
      });
    }
  }
});
