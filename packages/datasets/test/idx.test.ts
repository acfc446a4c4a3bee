import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DatasetError, parseIdx, type IdxFileSpec } from '../src';
import { readIdxFile } from '../src/node';
import { idxBytes, md5, sha256, tempDir } from './helpers';

const pixels = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 10);
const valid = idxBytes([3, 2, 2], pixels);

function errorOf(fn: () => unknown): DatasetError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DatasetError) return error;
    throw error;
  }
  throw new Error('expected a DatasetError');
}

describe('parseIdx', () => {
  it('reads shape and data of a valid file', () => {
    const idx = parseIdx(valid, 'x');
    expect(idx.shape).toEqual([3, 2, 2]);
    expect(Array.from(idx.data)).toEqual(Array.from(pixels));
  });

  it('reads a 1-dimensional label file', () => {
    const idx = parseIdx(idxBytes([4], Uint8Array.of(9, 0, 3, 1)), 'labels');
    expect(idx.shape).toEqual([4]);
    expect(Array.from(idx.data)).toEqual([9, 0, 3, 1]);
  });

  it.each([
    ['a body shorter than declared', valid.subarray(0, valid.length - 1), /truncated: shape \[3, 2, 2\] declares 12 bytes of data, but only 11/],
    ['a header cut short', valid.subarray(0, 10), /truncated: 10 bytes, but the header of a 3-dimensional IDX file takes 16/],
    ['an almost empty file', valid.subarray(0, 3), /truncated: 3 bytes/],
    ['trailing bytes', Buffer.concat([valid, Uint8Array.of(1, 2)]), /2 unexpected bytes after the 12/],
    ['a magic number not starting with zeros', Buffer.concat([Uint8Array.of(0x1f, 0x8b, 8, 3), valid.subarray(4)]), /not an IDX file: magic number 0x1f8b0803/],
    ['a non-byte element type', idxBytes([3], new Uint8Array(12), 0x0c), /element type 0x00000c01 is int32, expected unsigned byte/],
  ])('rejects %s, naming the file', (_what, bytes, message) => {
    const error = errorOf(() => parseIdx(bytes, '/data/file-name'));
    expect(error.code).toBe('CORRUPT');
    expect(error.file).toBe('/data/file-name');
    expect(error.message).toMatch(/^\/data\/file-name: /);
    expect(error.message).toMatch(message);
  });
});

describe('readIdxFile', () => {
  const spec: IdxFileSpec = { name: 'imgs', shape: [3, 2, 2], sha256: sha256(valid) };
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  const write = (name: string, bytes: Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  it('reads gzipped and raw copies of the same content alike, verified by SHA-256', async () => {
    const gz = await readIdxFile(write('imgs.gz', gzipSync(valid)), spec);
    const raw = await readIdxFile(write('imgs', valid), spec);
    for (const idx of [gz, raw]) {
      expect(idx.shape).toEqual([3, 2, 2]);
      expect(Array.from(idx.data)).toEqual(Array.from(pixels));
      expect(idx.verification).toBe('sha256');
      expect(idx.sha256).toBe(sha256(valid));
    }
  });

  it('accepts a re-compressed .gz when only the content checksum is pinned', async () => {
    const recompressed = gzipSync(valid, { level: 1 });
    const idx = await readIdxFile(write('imgs.gz', recompressed), { ...spec, gzMd5: md5(gzipSync(valid, { level: 9 })) });
    expect(idx.verification).toBe('sha256');
  });

  it('falls back to the .gz MD5, then to structure, when no SHA-256 is pinned', async () => {
    const published = gzipSync(valid, { level: 9 });
    const noSha = { name: 'imgs', shape: [3, 2, 2], gzMd5: md5(published) };
    expect((await readIdxFile(write('a.gz', published), noSha)).verification).toBe('md5');
    expect((await readIdxFile(write('b.gz', gzipSync(valid, { level: 1 })), noSha)).verification).toBe('structure');
    expect((await readIdxFile(write('c', valid), noSha)).verification).toBe('structure');
  });

  it('rejects content whose SHA-256 differs, naming the file and both sums', async () => {
    const other = idxBytes([3, 2, 2], pixels.map((p) => p + 1));
    const path = write('imgs.gz', gzipSync(other));
    await expect(readIdxFile(path, spec)).rejects.toMatchObject({
      code: 'CHECKSUM',
      file: path,
      message: expect.stringContaining(`SHA-256 of the decompressed content is ${sha256(other)}, expected ${spec.sha256}`),
    });
  });

  it('rejects bad gzip data', async () => {
    const garbage = Buffer.concat([Uint8Array.of(0x1f, 0x8b), Buffer.from('definitely not deflate data')]);
    const path = write('imgs.gz', garbage);
    await expect(readIdxFile(path, spec)).rejects.toMatchObject({ code: 'CORRUPT', file: path, message: expect.stringMatching(/corrupt gzip data/) });
  });

  it('rejects a truncated gzip stream', async () => {
    const gz = gzipSync(valid);
    const path = write('imgs.gz', gz.subarray(0, gz.length - 10));
    await expect(readIdxFile(path, spec)).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringMatching(/corrupt gzip data \(unexpected end of file\)/) });
  });

  it('rejects a .gz file that is not gzip', async () => {
    const path = write('imgs.gz', valid);
    await expect(readIdxFile(path, spec)).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringMatching(/named \.gz but is not gzip data/) });
  });

  it('refuses to inflate far beyond the expected size', async () => {
    const huge = gzipSync(new Uint8Array(10_000_000));
    await expect(readIdxFile(write('imgs.gz', huge), spec)).rejects.toMatchObject({
      code: 'CORRUPT',
      message: expect.stringMatching(/decompresses to more than the 28 bytes expected for shape \[3, 2, 2\]/),
    });
  });

  it('rejects a labels file given for images (wrong magic number)', async () => {
    const path = write('imgs', idxBytes([12], new Uint8Array(12)));
    await expect(readIdxFile(path, spec)).rejects.toMatchObject({
      code: 'CORRUPT',
      message: expect.stringMatching(/wrong magic number 0x00000801 \(1-dimensional\); imgs must have magic 0x00000803/),
    });
  });

  it('rejects a valid file of another shape', async () => {
    const path = write('imgs', idxBytes([2, 2, 3], pixels));
    await expect(readIdxFile(path, spec)).rejects.toMatchObject({
      code: 'CORRUPT',
      message: expect.stringMatching(/shape is \[2, 2, 3\], expected \[3, 2, 2\]/),
    });
  });
});
