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
