import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { WeightsError } from '../pretrained/manifest';
import type { RgbaImage } from '../pretrained/preprocess';
import type { WeightsSource } from '../pretrained/load';

/** A weights folder on disk (a path, or a `file:` URL). */
export function fileSource(dir: string | URL): WeightsSource {
  const root = resolve(typeof dir === 'string' && !dir.startsWith('file:') ? dir : fileURLToPath(dir));
  const at = (name: string) => join(root, name);
  return {
    describe: at,
    async read(name) {
      try {
        return new Uint8Array(await readFile(at(name)));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? String(err));
        throw new WeightsError(at(name), `cannot read (${why})`);
      }
    },
  };
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const starts = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

/**
 * Decodes PNG or JPEG bytes to RGBA (pngjs, jpeg-js: pure JavaScript, no native code). Anything else,
 * or a corrupt file, is an error naming `name` and what was expected.
 */
export function decodeImage(bytes: Uint8Array, name = 'image'): RgbaImage {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (starts(bytes, PNG_MAGIC)) {
    try {
      const png = PNG.sync.read(buffer);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    } catch (err) {
      throw new TypeError(`${name}: not a readable PNG (${(err as Error).message})`);
    }
  }
  if (starts(bytes, JPEG_MAGIC)) {
    try {
      // 100 megapixels: a cap against decompression bombs far above any photo a classifier is shown.
      const image = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 100 });
      return { width: image.width, height: image.height, data: image.data };
    } catch (err) {
      throw new TypeError(`${name}: not a readable JPEG (${(err as Error).message})`);
    }
  }
  throw new TypeError(`${name}: not a PNG or JPEG image (expected the bytes of a .png or .jpg file)`);
}

/**
 * Encodes RGBA pixels (an `ImageGrid`, `ImageData` or a decoded image) as PNG bytes, the inverse of
 * {@link decodeImage}: pngjs, pure JavaScript. Grey pictures (every pixel R = G = B, opaque) are
 * written as one grey channel, a quarter of the size, and decode to the same RGBA.
 */
export function encodePng(image: RgbaImage, name = 'image'): Uint8Array {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new TypeError(`${name}: expected a positive integer width and height, got ${String(width)}x${String(height)}`);
  }
  if (data.length !== width * height * 4) {
    throw new TypeError(`${name}: expected ${width}x${height} RGBA pixels (${width * height * 4} bytes), got ${data.length} bytes`);
  }
  let grey = true;
  for (let p = 0; p < data.length && grey; p += 4) grey = data[p] === data[p + 1] && data[p] === data[p + 2] && data[p + 3] === 255;
  // Grey goes in as one byte a pixel, which pngjs copies as it is instead of converting pixel by
  // pixel; and one filter (Paeth) instead of trying all five per row: 4.5x faster under jest, where
  // pngjs's loops are slow, for about 3% more bytes on real activations (docs/performance.md).
  const png = new PNG({ width, height });
  if (grey) {
    const pixels = Buffer.alloc(width * height);
    for (let i = 0; i < pixels.length; i++) pixels[i] = data[i * 4];
    png.data = pixels;
  } else {
    png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  const options = grey ? ({ colorType: 0, inputColorType: 0, inputHasAlpha: false } as const) : ({ colorType: 6, inputColorType: 6, inputHasAlpha: true } as const);
  const bytes = PNG.sync.write(png, { ...options, filterType: 4 });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The root folder of the installed package `packageName` that `fromDir` is inside of (source,
 * `dist/` or a bundle's chunk alike): the nearest ancestor whose package.json has that name.
 */
export function packageRoot(packageName: string, fromDir: string): string {
  for (let dir = resolve(fromDir); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === packageName) return dir;
      } catch {
        // an unreadable package.json is not the one we look for
      }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the folder of ${packageName} above ${fromDir}`);
  }
}
