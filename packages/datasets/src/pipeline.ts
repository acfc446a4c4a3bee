import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { DatasetError, invalidArgument, isPositiveInteger } from './errors';
import type { Split } from './split';

/**
 * How pixels (0..255) become floats:
 * - `'unit'`: divided by 255, so in [0, 1] (D2L's `ToTensor`);
 * - `'raw'`: kept as 0..255;
 * - `{ mean, std }`: `(pixel / 255 - mean) / std` (torchvision's `Normalize` after `ToTensor`).
 */
export type Normalize = 'unit' | 'raw' | { readonly mean: number; readonly std: number };

/** Random augmentation, drawn per image from the epoch's seeded generator, applied at the source resolution before resizing. */
export interface Augment {
  /** Mirror each image left-right with probability 1/2. Default: `false`. */
  readonly flip?: boolean;
  /**
   * Pad each side by this many pixels (with background, pixel 0) and cut a window of the original
   * size at a random offset, like torchvision's `RandomCrop(size, padding=crop)`. Default: `0` (off).
   */
  readonly crop?: number;
}

/** How {@link toDataset} batches, orders, augments and resizes a split. */
export interface ToDatasetOptions {
  /** Images per batch. Required. */
  readonly batchSize: number;
  /** Output size: one number for a square, or `[height, width]`; bilinear, per batch. Default: the split's own size (no resizing). */
  readonly resize?: number | readonly [number, number];
  /**
   * Visit images in a random order: every iteration of the dataset (every epoch) draws a new
   * permutation from `seed` and the epoch number, so the same seed gives the same sequence of
   * epochs in any process. Default: `false` (file order).
   */
  readonly shuffle?: boolean;
  /** Seed for shuffling and augmentation. Default: drawn at random; read it back from `dataset.seed` to repeat a run. */
  readonly seed?: number | string;
  /** Use only the first `limit` images of the split (a fixed subset; clamped to the split's size). Default: all. */
  readonly limit?: number;
  /** Random augmentation. Default: none. */
  readonly augment?: Augment;
  /** Pixel scaling. Default: `'unit'` ([0, 1]). */
  readonly normalize?: Normalize;
  /** Drop a last batch smaller than `batchSize`. Default: `false` (keep it, like PyTorch's `drop_last=False`). */
  readonly dropRemainder?: boolean;
  /** Width of the one-hot labels; every label must be below it. Default: `10`. */
  readonly numClasses?: number;
  /** Epoch number of the first iteration, to resume a shuffled run where it stopped. Default: `0`. */
  readonly startEpoch?: number;
}

/** One batch: `xs` float32 `[b, height, width, 1]` (NHWC), `ys` one-hot float32 `[b, numClasses]`. */
export type ImageBatch = { xs: tf.Tensor4D; ys: tf.Tensor2D };

/**
 * A tf.data dataset of {@link ImageBatch}es over one split. Each iteration is one epoch. Its `size`
 * is the number of batches per epoch, which `model.fitDataset` uses as steps per epoch.
 * The consumer owns each batch's tensors and must dispose them (`fitDataset` does).
 */
export interface ImageDataset extends tf.data.Dataset<ImageBatch> {
  /** Batches per epoch (same as {@link ImageDataset.batchesPerEpoch}). */
  readonly size: number;
  readonly batchesPerEpoch: number;
  /** Images per epoch (after `limit` and `dropRemainder`). */
  readonly examplesPerEpoch: number;
  readonly batchSize: number;
  /** `[height, width]` of every output image. */
  readonly imageSize: readonly [number, number];
  /** The seed in use (given, or drawn when none was given). */
  readonly seed: string;
  /** The epoch number the next iteration will use. */
  readonly nextEpoch: number;
}

interface Resolved {
  batchSize: number;
  examples: number;
  outHeight: number;
  outWidth: number;
  shuffle: boolean;
  seed: string;
  flip: boolean;
  crop: number;
  scale: number;
  shift: number;
  dropRemainder: boolean;
  numClasses: number;
  startEpoch: number;
}

function checkSplit(split: Split): void {
  if (split === null || typeof split !== 'object') throw invalidArgument('split', split, 'an object { images, labels, count, height, width }');
  for (const name of ['count', 'height', 'width'] as const) {
    if (!isPositiveInteger(split[name])) throw invalidArgument(`split.${name}`, split[name], 'a positive integer');
  }
  if (!(split.images instanceof Uint8Array) || split.images.length !== split.count * split.height * split.width) {
    const got = split.images instanceof Uint8Array ? `a Uint8Array of ${split.images.length}` : typeof split.images;
    throw new DatasetError(
      'INVALID_ARGUMENT',
      `split.images must be a Uint8Array of count*height*width = ${split.count * split.height * split.width} pixels; received ${got}`,
    );
  }
  if (!(split.labels instanceof Uint8Array) || split.labels.length !== split.count) {
    const got = split.labels instanceof Uint8Array ? `a Uint8Array of ${split.labels.length}` : typeof split.labels;
    throw new DatasetError('INVALID_ARGUMENT', `split.labels must be a Uint8Array of count = ${split.count} labels; received ${got}`);
  }
}

function resolveOptions(split: Split, options: ToDatasetOptions): Resolved {
  checkSplit(split);
  if (options === null || typeof options !== 'object') throw invalidArgument('toDataset options', options, 'an object with at least batchSize');
  const { batchSize, resize, limit, augment = {}, normalize = 'unit', numClasses = 10, startEpoch = 0 } = options;
  if (!isPositiveInteger(batchSize)) throw invalidArgument('options.batchSize', batchSize, 'a positive integer');
  let outHeight = split.height;
  let outWidth = split.width;
  if (resize !== undefined) {
    if (isPositiveInteger(resize)) {
      outHeight = outWidth = resize;
    } else if (Array.isArray(resize) && resize.length === 2 && resize.every(isPositiveInteger)) {
      [outHeight, outWidth] = resize;
    } else {
      throw invalidArgument('options.resize', resize, 'a positive integer or [height, width] of positive integers');
    }
  }
  if (limit !== undefined && !isPositiveInteger(limit)) throw invalidArgument('options.limit', limit, 'a positive integer');
  const crop = augment.crop ?? 0;
  if (!(Number.isInteger(crop) && crop >= 0 && crop < Math.min(split.height, split.width))) {
    throw invalidArgument('options.augment.crop', crop, `an integer from 0 to ${Math.min(split.height, split.width) - 1} (padding in pixels)`);
  }
  let scale: number;
  let shift: number;
  if (normalize === 'unit') {
    [scale, shift] = [1 / 255, 0];
  } else if (normalize === 'raw') {
    [scale, shift] = [1, 0];
  } else if (
    normalize !== null &&
    typeof normalize === 'object' &&
    Number.isFinite(normalize.mean) &&
    Number.isFinite(normalize.std) &&
    normalize.std > 0
  ) {
    [scale, shift] = [1 / (255 * normalize.std), -normalize.mean / normalize.std];
  } else {
    throw invalidArgument('options.normalize', normalize, "'unit', 'raw' or { mean, std } with finite mean and std > 0");
  }
  if (!isPositiveInteger(numClasses)) throw invalidArgument('options.numClasses', numClasses, 'a positive integer');
  if (!(Number.isInteger(startEpoch) && startEpoch >= 0)) throw invalidArgument('options.startEpoch', startEpoch, 'a non-negative integer');
  if (options.seed !== undefined && typeof options.seed !== 'number' && typeof options.seed !== 'string') {
    throw invalidArgument('options.seed', options.seed, 'a number or a string');
  }
  const used = Math.min(limit ?? split.count, split.count);
  const dropRemainder = options.dropRemainder ?? false;
  const batches = dropRemainder ? Math.floor(used / batchSize) : Math.ceil(used / batchSize);
  let maxLabel = 0;
  for (let i = 0; i < used; i++) if (split.labels[i] > maxLabel) maxLabel = split.labels[i];
  if (maxLabel >= numClasses) {
    throw new DatasetError(
      'INVALID_ARGUMENT',
      `split.labels contains ${maxLabel}, which does not fit options.numClasses = ${numClasses}; pass numClasses > ${maxLabel}`,
    );
  }
  return {
    batchSize,
    examples: dropRemainder ? batches * batchSize : used,
    outHeight,
    outWidth,
    shuffle: options.shuffle ?? false,
    seed: String(options.seed ?? Math.floor(Math.random() * 2 ** 32)),
    flip: augment.flip ?? false,
    crop,
    scale,
    shift,
    dropRemainder,
    numClasses,
    startEpoch,
  };
}

/** Number of batches one epoch of `toDataset(split, options)` yields, without building it. */
export function batchesPerEpoch(split: Split, options: ToDatasetOptions): number {
  const r = resolveOptions(split, options);
  return Math.ceil(r.examples / r.batchSize);
}

class SplitDataset extends tf.data.Dataset<ImageBatch> implements ImageDataset {
  override readonly size: number;
  readonly batchesPerEpoch: number;
  readonly examplesPerEpoch: number;
  readonly batchSize: number;
  readonly imageSize: readonly [number, number];
  readonly seed: string;
  private epochsStarted = 0;

  constructor(
    private readonly split: Split,
    private readonly r: Resolved,
  ) {
    super();
    this.batchesPerEpoch = Math.ceil(r.examples / r.batchSize);
    this.size = this.batchesPerEpoch;
    this.examplesPerEpoch = r.examples;
    this.batchSize = r.batchSize;
    this.imageSize = [r.outHeight, r.outWidth];
    this.seed = r.seed;
  }

  get nextEpoch(): number {
    return this.r.startEpoch + this.epochsStarted;
  }

  override async iterator(): ReturnType<tf.data.Dataset<ImageBatch>['iterator']> {
    const epoch = this.nextEpoch;
    this.epochsStarted++;
    return tf.data.generator(() => this.epoch(epoch)).iterator();
  }

  private *epoch(epoch: number): Generator<ImageBatch> {
    const { split, r } = this;
    // One generator per (seed, epoch): an epoch's order and augmentation do not depend on how many
    // epochs ran before in this process, so a resumed run (startEpoch) sees the same data.
    const random = seedrandom(`${r.seed}/${epoch}`);
    const order = new Uint32Array(split.count);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const used = Math.min(r.examples, split.count);
    if (r.shuffle) {
      // Fisher-Yates over the first `used` images only: `limit` selects a fixed subset.
      for (let i = used - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    const { height: h, width: w } = split;
    const pixels = h * w;
    const resize = r.outHeight !== h || r.outWidth !== w;
    for (let start = 0; start < r.examples; start += r.batchSize) {
      const size = Math.min(r.batchSize, r.examples - start);
      // Gathering and normalising at the source resolution is cheap (784 values an image); bilinear
      // resizing is linear with weights summing to 1, so it commutes with the affine normalisation.
      const xs = new Float32Array(size * pixels);
      const ys = new Float32Array(size * r.numClasses);
      for (let b = 0; b < size; b++) {
        const index = order[start + b];
        ys[b * r.numClasses + split.labels[index]] = 1;
        this.gather(index, xs, b * pixels, random);
      }
      yield tf.tidy(() => {
        const source = tf.tensor4d(xs, [size, h, w, 1]);
        // halfPixelCenters matches PIL/torchvision bilinear resizing (D2L's transforms.Resize).
        const images = resize ? tf.image.resizeBilinear(source, [r.outHeight, r.outWidth], false, true) : source;
        return { xs: images, ys: tf.tensor2d(ys, [size, r.numClasses]) };
      });
    }
  }

  private gather(index: number, out: Float32Array, offset: number, random: () => number): void {
    const { split, r } = this;
    const { height: h, width: w, images } = split;
    const base = index * h * w;
    const { scale, shift } = r;
    if (!r.flip && r.crop === 0) {
      for (let i = 0; i < h * w; i++) out[offset + i] = images[base + i] * scale + shift;
      return;
    }
    // Draw in a fixed order (crop, then flip) so a seed always means the same augmentation.
    const dy = r.crop ? Math.floor(random() * (2 * r.crop + 1)) - r.crop : 0;
    const dx = r.crop ? Math.floor(random() * (2 * r.crop + 1)) - r.crop : 0;
    const flip = r.flip && random() < 0.5;
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      const row = offset + y * w;
      for (let x = 0; x < w; x++) {
        const sx = (flip ? w - 1 - x : x) + dx;
        const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        out[row + x] = (inside ? images[base + sy * w + sx] : 0) * scale + shift;
      }
    }
  }
}

/**
 * Streams a split as tf.data batches `{ xs, ys }`: `xs` float32 `[b, height, width, 1]`, normalised
 * (default: to [0, 1]) and, with `resize`, bilinearly resized one batch at a time on the active
 * backend (never the whole split: 60,000 images at 224x224 would take 12 GB); `ys` one-hot float32
 * `[b, numClasses]`. Each iteration of the returned dataset is one epoch; see
 * {@link ToDatasetOptions.shuffle} for how orders are drawn.
 *
 * @throws {DatasetError} `INVALID_ARGUMENT` for a malformed split or option
 */
export function toDataset(split: Split, options: ToDatasetOptions): ImageDataset {
  return new SplitDataset(split, resolveOptions(split, options));
}
