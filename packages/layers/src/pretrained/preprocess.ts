/**
 * Preprocessing for inference that matches what the zoo's training pipeline feeds a model: pixels
 * scaled by the manifest's normalisation (training uses `@zoo/datasets`' `normalize: 'unit'`, x / 255),
 * one grey channel (ITU-R 601 luma, as PIL's and torchvision's `Grayscale`), bilinear resizing with
 * half-pixel centres (as `toDataset`'s `resize` and PIL), NHWC. Browser-safe: no Node imports.
 */
import * as tf from '@tensorflow/tfjs';
import type { InputSpec, Normalization } from './manifest';

/** What the zoo's training pipeline does to pixels (`@zoo/datasets`' `normalize: 'unit'`): x / 255. */
export const DEFAULT_NORMALIZATION: Normalization = Object.freeze({ scale: 1 / 255, offset: 0 });

/** Decoded pixels: `width * height * 4` RGBA bytes, row-major, as a browser's `ImageData` holds them. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/**
 * A browser image source `tf.browser.fromPixels` reads: `HTMLCanvasElement`, `OffscreenCanvas`,
 * `HTMLImageElement`, `HTMLVideoElement`, `ImageBitmap` (typed by shape, so the package needs no DOM types).
 */
export interface BrowserImage {
  readonly width: number;
  readonly height: number;
}

/**
 * Anything {@link preprocess} accepts:
 * - a `tf.Tensor` of pixel values 0..255 (as `tf.browser.fromPixels` gives), `[h, w]`, `[h, w, c]` or
 *   `[n, h, w, c]` with c = 1, 3 or 4 (alpha is composited over black, the Fashion-MNIST background);
 * - `ImageData` or any `{ width, height, data }` of RGBA bytes;
 * - a canvas, `<img>`, `<video>` or `ImageBitmap` (browser);
 * - PNG or JPEG bytes (`Uint8Array`, `ArrayBuffer`, Node `Buffer`), where the loader has a decoder
 *   (`@zoo/models/node`'s does; in a browser, draw the image on a canvas and pass that).
 */
export type ImageInput = tf.Tensor | RgbaImage | BrowserImage | Uint8Array | ArrayBuffer;

/** Synchronous PNG/JPEG decoder; `name` is for error messages. */
export type ImageDecoder = (bytes: Uint8Array, name: string) => RgbaImage;

function isRgbaImage(x: unknown): x is RgbaImage {
  const o = x as Partial<RgbaImage> | null;
  return typeof o === 'object' && o !== null && typeof o.width === 'number' && typeof o.height === 'number' && (o.data instanceof Uint8Array || o.data instanceof Uint8ClampedArray);
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (x instanceof tf.Tensor) return `a tensor of shape [${x.shape.join(', ')}]`;
  if (typeof x === 'object') return `a ${(x as object).constructor?.name ?? 'object'}`;
  return `a ${typeof x}`;
}

function rgbaTensor(image: RgbaImage, what: string): tf.Tensor3D {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * 4) {
    throw new TypeError(`${what}: expected ${width}x${height} RGBA pixels (${width * height * 4} bytes), got ${data.length} bytes`);
  }
  return tf.tensor3d(Int32Array.from(data), [height, width, 4], 'int32');
}

/** The input as one `[n, h, w, c]` tensor of pixel values, c = 1, 3 or 4. */
function toPixels(input: ImageInput, what: string, decode: ImageDecoder | undefined): tf.Tensor4D {
  if (input instanceof tf.Tensor) {
    const t = input;
    if (t.rank === 2) return t.expandDims(0).expandDims(-1) as tf.Tensor4D;
    if (t.rank === 3) return t.expandDims(0) as tf.Tensor4D;
    if (t.rank === 4) return t.clone() as tf.Tensor4D;
    throw new TypeError(`${what}: expected a tensor [h, w], [h, w, c] or [n, h, w, c] of pixel values 0..255; got shape [${t.shape.join(', ')}]`);
  }
  if (input instanceof ArrayBuffer || input instanceof Uint8Array) {
    if (decode === undefined) {
      throw new TypeError(`${what}: image bytes need a decoder: load with @zoo/models/node's loadPretrained in Node; in a browser, draw the image on a canvas (or pass an <img>) instead`);
    }
    const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
    return rgbaTensor(decode(bytes, what), what).expandDims(0) as tf.Tensor4D;
  }
  if (isRgbaImage(input)) return rgbaTensor(input, what).expandDims(0) as tf.Tensor4D;
  if (typeof input === 'object' && input !== null && typeof (input as { width?: unknown }).width === 'number') {
    // A canvas, <img>, <video> or ImageBitmap: only a browser can read its pixels.
    return tf.browser.fromPixels(input as Parameters<typeof tf.browser.fromPixels>[0], 4).expandDims(0) as tf.Tensor4D;
  }
  throw new TypeError(`${what}: expected a tf.Tensor, ImageData ({ width, height, data }), a canvas/<img>/ImageBitmap, or PNG/JPEG bytes; got ${describe(input)}`);
}

/**
 * Turns an image (see {@link ImageInput}) into the `[n, size, size, channels]` float32 batch a model
 * with input `spec` expects. Colour becomes grey (or grey is repeated into three channels), any size
 * is resized to `spec.size` (stretched, as the training data's resize), pixels are normalised.
 */
export function preprocess(input: ImageInput, spec: InputSpec, options: { decode?: ImageDecoder; name?: string } = {}): tf.Tensor4D {
  const what = options.name ?? 'preprocess(input)';
  return tf.tidy(() => {
    const pixels = toPixels(input, what, options.decode).toFloat();
    const c = pixels.shape[3];
    if (c !== 1 && c !== 3 && c !== 4) throw new TypeError(`${what}: expected 1, 3 or 4 channels, got ${c} (shape [${pixels.shape.join(', ')}])`);
    let rgbOrGrey: tf.Tensor4D = pixels;
    if (c === 4) {
      const [rgb, alpha] = tf.split(pixels, [3, 1], 3);
      rgbOrGrey = tf.mul(rgb, tf.div(alpha, 255)) as tf.Tensor4D;
    }
    let image: tf.Tensor4D;
    if (spec.channels === 1) {
      image = rgbOrGrey.shape[3] === 1 ? rgbOrGrey : (tf.sum(tf.mul(rgbOrGrey, tf.tensor1d([0.299, 0.587, 0.114])), 3, true) as tf.Tensor4D);
    } else {
      image = rgbOrGrey.shape[3] === 3 ? rgbOrGrey : (tf.tile(rgbOrGrey, [1, 1, 1, 3]) as tf.Tensor4D);
    }
    const [, h, w] = image.shape;
    const sized = h === spec.size && w === spec.size ? image : tf.image.resizeBilinear(image, [spec.size, spec.size], false, true);
    const { scale, offset } = spec.normalization;
    return tf.add(tf.mul(sized, scale), offset) as tf.Tensor4D;
  });
}
