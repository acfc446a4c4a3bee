import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import type { IdxFileSpec } from '../catalog';
import { DatasetError } from '../errors';
import { hex, parseIdx, UNSIGNED_BYTE, type IdxArray, type Verification } from '../idx';

// zlib's async API inflates on the libuv thread pool, so the four files inflate in parallel and the
// event loop (progress bars, servers in the same process) keeps running.
const gunzip = promisify(gunzipCallback);

/** Content of one IDX file read from disk, decompressed, parsed and checked against its spec. */
export interface VerifiedIdx extends IdxArray {
  readonly verification: Verification;
  /** SHA-256 of the decompressed file. */
  readonly sha256: string;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function expectedLength(spec: IdxFileSpec): number {
  return 4 + 4 * spec.shape.length + spec.shape.reduce((a, b) => a * b, 1);
}

/**
 * Reads an IDX file (gzipped or raw, told apart by content), parses it and checks it against `spec`:
 * the shape always; the decompressed SHA-256 when the spec has one; otherwise the `.gz` MD5 when the
 * file is byte-identical to the published `.gz`.
 *
 * @throws {DatasetError} `CORRUPT` (bad gzip, bad IDX, wrong shape) or `CHECKSUM`, naming the file
 */
export async function readIdxFile(path: string, spec: IdxFileSpec): Promise<VerifiedIdx> {
  const stored = await readFile(path);
  const gzipped = isGzip(stored);
  if (!gzipped && path.endsWith('.gz')) {
    throw new DatasetError('CORRUPT', `${path}: named .gz but is not gzip data (first bytes ${stored.subarray(0, 4).toString('hex') || 'none'})`, path);
  }
  let bytes: Uint8Array = stored;
  if (gzipped) {
    // A limit just above the expected size turns a wrong or hostile file into an error instead of
    // inflating it into memory without bound.
    const limit = expectedLength(spec) + 1;
    try {
      bytes = await gunzip(stored, { maxOutputLength: limit });
    } catch (error) {
      const reason =
        (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
          ? `decompresses to more than the ${limit - 1} bytes expected for shape [${spec.shape.join(', ')}]`
          : `corrupt gzip data (${(error as Error).message})`;
      throw new DatasetError('CORRUPT', `${path}: ${reason}`, path, { cause: error });
    }
  }
  const idx = parseIdx(bytes, path);
  if (idx.shape.length !== spec.shape.length) {
    const magic = (want: number) => hex((UNSIGNED_BYTE << 8) | want);
    throw new DatasetError(
      'CORRUPT',
      `${path}: wrong magic number ${magic(idx.shape.length)} (${idx.shape.length}-dimensional); ` +
        `${spec.name} must have magic ${magic(spec.shape.length)} (${spec.shape.length}-dimensional)`,
      path,
    );
  }
  if (idx.shape.some((d, i) => d !== spec.shape[i])) {
    throw new DatasetError(
      'CORRUPT',
      `${path}: shape is [${idx.shape.join(', ')}], expected [${spec.shape.join(', ')}] for ${spec.name}`,
      path,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let verification: Verification = 'structure';
  if (spec.sha256) {
    if (sha256 !== spec.sha256) {
      throw new DatasetError(
        'CHECKSUM',
        `${path}: SHA-256 of the decompressed content is ${sha256}, expected ${spec.sha256} for ${spec.name}`,
        path,
      );
    }
    verification = 'sha256';
  } else if (gzipped && spec.gzMd5 && createHash('md5').update(stored).digest('hex') === spec.gzMd5) {
    verification = 'md5';
  }
  return { ...idx, verification, sha256 };
}

/** The weakest of several verifications: a data set is only as verified as its least-checked file. */
export function weakest(levels: readonly Verification[]): Verification {
  const order: Verification[] = ['sha256', 'md5', 'structure'];
  return levels.reduce<Verification>((acc, v) => (order.indexOf(v) > order.indexOf(acc) ? v : acc), 'sha256');
}
