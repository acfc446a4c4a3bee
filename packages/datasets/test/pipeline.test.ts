import * as tf from '@tensorflow/tfjs';
import { batchesPerEpoch, toDataset, type ImageBatch, type Split, type ToDatasetOptions } from '../src';

// Image i carries its own index in pixels 0 and 1 (low and high byte), so a batch tells which images
// it holds; the other pixels are a fixed pattern.
function indexedSplit(count: number, height = 5, width = 4): Split {
  const images = new Uint8Array(count * height * width);
  for (let i = 0; i < count; i++) {
    const base = i * height * width;
    for (let p = 2; p < height * width; p++) images[base + p] = (p * 13 + i) % 256;
    images[base] = i % 256;
    images[base + 1] = Math.floor(i / 256);
  }
  const labels = Uint8Array.from({ length: count }, (_, i) => (i * 3) % 10);
  return { images, labels, count, height, width };
}

async function collect(ds: tf.data.Dataset<ImageBatch>): Promise<{ xs: number[][]; ys: number[][]; shapes: number[][] }> {
  const xs: number[][] = [];
  const ys: number[][] = [];
  const shapes: number[][] = [];
  const it = await ds.iterator();
  for (let r = await it.next(); !r.done; r = await it.next()) {
    const { xs: x, ys: y } = r.value;
    shapes.push(x.shape);
    const [b, h, w] = x.shape;
    const xv = Array.from(x.dataSync());
    for (let i = 0; i < b; i++) xs.push(xv.slice(i * h * w, (i + 1) * h * w));
    const yv = Array.from(y.dataSync());
    const k = y.shape[1];
    for (let i = 0; i < b; i++) ys.push(yv.slice(i * k, (i + 1) * k));
    tf.dispose([x, y]);
  }
  return { xs, ys, shapes };
}

const indexOf = (image: number[]) => image[0] + 256 * image[1];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('toDataset', () => {
  const split = indexedSplit(23);

  it('yields float32 NHWC images scaled to [0, 1] and one-hot float32 labels, in file order by default', async () => {
    const ds = toDataset(split, { batchSize: 10 });
    const it = await ds.iterator();
    const { value } = await it.next();
    expect(value.xs.shape).toEqual([10, 5, 4, 1]);
    expect(value.xs.dtype).toBe('float32');
    expect(value.ys.shape).toEqual([10, 10]);
    expect(value.ys.dtype).toBe('float32');
    const pixels = value.xs.dataSync();
    for (let i = 0; i < 20; i++) expect(pixels[i]).toBeCloseTo(split.images[i] / 255, 6);
    tf.dispose([value.xs, value.ys]);
    const { xs, ys } = await collect(ds);
    expect(xs.map((x) => Math.round(indexOf(x) * 255))).toEqual([...Array(23).keys()]);
    ys.forEach((y, i) => {
      expect(y.reduce((a, b) => a + b, 0)).toBe(1);
      expect(y.indexOf(1)).toBe(split.labels[i]);
    });
  });

  it.each<[ToDatasetOptions['normalize'], (p: number) => number]>([
    ['raw', (p) => p],
    [{ mean: 0.5, std: 0.25 }, (p) => (p / 255 - 0.5) / 0.25],
  ])('normalizes with %j', async (normalize, expected) => {
    const { xs } = await collect(toDataset(split, { batchSize: 23, normalize }));
    xs.flat().forEach((v, i) => expect(v).toBeCloseTo(expected(split.images[i]), 4));
  });

  it('counts batches per epoch as it yields them: dataset.size, batchesPerEpoch, limit and dropRemainder', async () => {
    const cases: ToDatasetOptions[] = [
      { batchSize: 10 },
      { batchSize: 10, dropRemainder: true },
      { batchSize: 23 },
      { batchSize: 64 },
      { batchSize: 4, limit: 9 },
      { batchSize: 4, limit: 9, dropRemainder: true },
      { batchSize: 5, limit: 1000 },
    ];
    const expected = [3, 2, 1, 1, 3, 2, 5];
    for (const [i, options] of cases.entries()) {
      const ds = toDataset(split, options);
      const { shapes, xs } = await collect(ds);
      expect([shapes.length, ds.size, ds.batchesPerEpoch, batchesPerEpoch(split, options)]).toEqual(Array(4).fill(expected[i]));
      expect(xs.length).toBe(ds.examplesPerEpoch);
    }
  });

  it('limit takes the first images, a fixed subset also when shuffled', async () => {
    const ds = toDataset(split, { batchSize: 4, limit: 7, shuffle: true, seed: 3, normalize: 'raw' });
    for (let epoch = 0; epoch < 3; epoch++) {
      const { xs } = await collect(ds);
      expect(xs.map(indexOf).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    }
  });

  describe('shuffling', () => {
    const big = indexedSplit(300);
    const order = async (ds: tf.data.Dataset<ImageBatch>) => (await collect(ds)).xs.map(indexOf);
    const options = { batchSize: 64, shuffle: true, normalize: 'raw' } as const;

    it('gives each epoch a new permutation, and the same sequence of epochs for the same seed', async () => {
      const a = toDataset(big, { ...options, seed: 42 });
      const b = toDataset(big, { ...options, seed: 42 });
      const epochsA = [await order(a), await order(a), await order(a)];
      const epochsB = [await order(b), await order(b), await order(b)];
      expect(epochsB).toEqual(epochsA);
      for (const epoch of epochsA) expect([...epoch].sort((x, y) => x - y)).toEqual([...Array(300).keys()]);
      expect(epochsA[1]).not.toEqual(epochsA[0]);
      expect(epochsA[2]).not.toEqual(epochsA[1]);
      expect(epochsA[0]).not.toEqual([...Array(300).keys()]);
      expect(await order(toDataset(big, { ...options, seed: 43 }))).not.toEqual(epochsA[0]);
      expect(a.nextEpoch).toBe(3);
    });

    it('resumes: startEpoch k replays what epoch k was', async () => {
      const a = toDataset(big, { ...options, seed: 'run-7' });
      await order(a);
      const second = await order(a);
      expect(await order(toDataset(big, { ...options, seed: 'run-7', startEpoch: 1 }))).toEqual(second);
    });

    it('draws and exposes a seed when none is given', async () => {
      const a = toDataset(big, options);
      const replay = toDataset(big, { ...options, seed: a.seed });
      expect(await order(replay)).toEqual(await order(a));
    });
  });

  describe('augmentation', () => {
    const pattern = indexedSplit(200, 6, 6);
    const image = (i: number) => Array.from(pattern.images.subarray(i * 36, (i + 1) * 36));
    const mirror = (img: number[]) => img.map((_, p) => img[Math.floor(p / 6) * 6 + (5 - (p % 6))]);

    it('flip mirrors about half of the images left-right and leaves the rest alone', async () => {
      const { xs } = await collect(toDataset(pattern, { batchSize: 50, augment: { flip: true }, normalize: 'raw', seed: 1 }));
      let flipped = 0;
      xs.forEach((x, i) => {
        if (x.every((v, p) => v === image(i)[p])) return;
        expect(x).toEqual(mirror(image(i)));
        flipped++;
      });
      expect(flipped).toBeGreaterThan(60);
      expect(flipped).toBeLessThan(140);
    });

    it('crop shifts each image by at most crop pixels, filling with background', async () => {
      const crop = 2;
      const { xs } = await collect(toDataset(pattern, { batchSize: 200, augment: { crop }, normalize: 'raw', seed: 5 }));
      const shifts = new Set<string>();
      xs.forEach((x, i) => {
        const src = image(i);
        const shifted = (dy: number, dx: number) =>
          src.map((_, p) => {
            const [y, xx] = [Math.floor(p / 6) + dy, (p % 6) + dx];
            return y >= 0 && y < 6 && xx >= 0 && xx < 6 ? src[y * 6 + xx] : 0;
          });
        const match: string[] = [];
        for (let dy = -crop; dy <= crop; dy++) for (let dx = -crop; dx <= crop; dx++) if (shifted(dy, dx).every((v, p) => v === x[p])) match.push(`${dy},${dx}`);
        expect(match.length).toBeGreaterThan(0);
        shifts.add(match[0]);
      });
      expect(shifts.size).toBeGreaterThan(15);
    });
  });

  describe('resizing', () => {
    // Bilinear with half-pixel centres, the convention of PIL and torchvision (D2L's Resize).
    function bilinear(src: number[], h: number, w: number, oh: number, ow: number): number[] {
      const out: number[] = [];
      const sample = (coord: number, size: number): [number, number, number] => {
        const c = Math.min(Math.max(coord, 0), size - 1);
        const lo = Math.floor(c);
        const hi = Math.min(lo + 1, size - 1);
        return [lo, hi, c - lo];
      };
      for (let y = 0; y < oh; y++) {
        const [y0, y1, fy] = sample((y + 0.5) * (h / oh) - 0.5, h);
        for (let x = 0; x < ow; x++) {
          const [x0, x1, fx] = sample((x + 0.5) * (w / ow) - 0.5, w);
          const top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
          const bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
          out.push(top * (1 - fy) + bottom * fy);
        }
      }
      return out;
    }

    it.each<[ToDatasetOptions['resize'], number, number]>([
      [12, 12, 12],
      [[9, 14], 9, 14],
      [3, 3, 3],
    ])('resizes bilinearly to %j', async (resize, oh, ow) => {
      const { xs, shapes } = await collect(toDataset(split, { batchSize: 8, resize, normalize: 'raw' }));
      expect(shapes[0]).toEqual([8, oh, ow, 1]);
      xs.forEach((x, i) => {
        const src = Array.from(split.images.subarray(i * 20, (i + 1) * 20));
        const want = bilinear(src, 5, 4, oh, ow);
        x.forEach((v, p) => expect(v).toBeCloseTo(want[p], 3));
      });
    });

    it('keeps at most one batch of tensors alive and leaks none', async () => {
      const big = indexedSplit(320, 12, 12);
      const ds = toDataset(big, { batchSize: 32, resize: 24, shuffle: true, seed: 1, augment: { flip: true, crop: 2 } });
      const before = tf.memory();
      const batchBytes = 32 * 24 * 24 * 4 + 32 * 10 * 4;
      let maxBytes = 0;
      await ds.forEachAsync(({ xs, ys }) => {
        maxBytes = Math.max(maxBytes, tf.memory().numBytes - before.numBytes);
        tf.dispose([xs, ys]);
      });
      expect(maxBytes).toBeLessThanOrEqual(batchBytes);
      expect(tf.memory().numTensors).toBe(before.numTensors);
    });
  });

  it('feeds model.fitDataset, which takes its steps per epoch from dataset.size', async () => {
    const small = indexedSplit(96, 8, 8);
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [8, 8, 1] }), tf.layers.dense({ units: 10, activation: 'softmax' })] });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const ds = toDataset(small, { batchSize: 32, shuffle: true, seed: 0 });
    const batchEnds: number[] = [];
    const before = tf.memory().numTensors;
    const history = await model.fitDataset(ds, { epochs: 2, verbose: 0, callbacks: { onBatchEnd: async (batch) => void batchEnds.push(batch) } });
    expect(history.history.loss).toHaveLength(2);
    expect(batchEnds).toEqual([0, 1, 2, 0, 1, 2]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  describe('bad input', () => {
    it.each<[string, Partial<ToDatasetOptions>, string]>([
      ['batchSize', { batchSize: 0 }, 'options.batchSize must be a positive integer; received 0'],
      ['batchSize', { batchSize: 2.5 }, 'options.batchSize must be a positive integer; received 2.5'],
      ['resize', { resize: [224] as unknown as number }, 'options.resize must be a positive integer or [height, width] of positive integers; received [224]'],
      ['resize', { resize: -1 }, 'options.resize must be a positive integer or [height, width] of positive integers; received -1'],
      ['limit', { limit: 0 }, 'options.limit must be a positive integer; received 0'],
      ['crop', { augment: { crop: 5 } }, 'options.augment.crop must be an integer from 0 to 3 (padding in pixels); received 5'],
      ['normalize', { normalize: { mean: 0, std: 0 } }, `options.normalize must be 'unit', 'raw' or { mean, std } with finite mean and std > 0; received {"mean":0,"std":0}`],
      ['normalize', { normalize: 'imagenet' as 'unit' }, `options.normalize must be 'unit', 'raw' or { mean, std } with finite mean and std > 0; received "imagenet"`],
      ['numClasses', { numClasses: 5 }, 'split.labels contains 9, which does not fit options.numClasses = 5; pass numClasses > 9'],
      ['startEpoch', { startEpoch: -1 }, 'options.startEpoch must be a non-negative integer; received -1'],
    ])('rejects a bad %s, echoing the value', (_name, bad, message) => {
      expect(() => toDataset(split, { batchSize: 4, ...bad })).toThrow(message);
      expect(() => batchesPerEpoch(split, { batchSize: 4, ...bad })).toThrow(message);
    });

    it('rejects a split whose arrays do not match its dimensions', () => {
      expect(() => toDataset({ ...split, count: 24 }, { batchSize: 4 })).toThrow(
        'split.images must be a Uint8Array of count*height*width = 480 pixels; received a Uint8Array of 460',
      );
      expect(() => toDataset({ ...split, labels: split.labels.subarray(1) }, { batchSize: 4 })).toThrow(
        'split.labels must be a Uint8Array of count = 23 labels; received a Uint8Array of 22',
      );
      expect(() => toDataset({ ...split, width: 0 }, { batchSize: 4 })).toThrow('split.width must be a positive integer; received 0');
    });
  });
});
