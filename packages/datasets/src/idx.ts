import { DatasetError } from './errors';

/** An IDX array of unsigned bytes (the only element type MNIST-like data sets use). */
export interface IdxArray {
  readonly shape: readonly number[];
  /** Row-major elements, a view into the file's bytes after the header. */
  readonly data: Uint8Array;
}

/** How strongly a file's content was checked. Ordered from strongest to weakest. */
export type Verification = 'sha256' | 'md5' | 'structure';

export const UNSIGNED_BYTE = 0x08;
const IDX_TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

export function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/**
 * Parses an (already decompressed) IDX file of unsigned bytes: checks the magic number, that the
 * header is complete and that the body holds exactly as many bytes as the dimensions declare.
 *
 * @param bytes the whole file
 * @param name what to call the file in errors (usually its path)
 * @throws {DatasetError} `CORRUPT`, naming the file and the problem
 */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  const corrupt = (problem: string) => new DatasetError('CORRUPT', `${name}: ${problem}`, name);
  if (bytes.length < 4) throw corrupt(`truncated: ${bytes.length} bytes, too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw corrupt(`not an IDX file: magic number ${hex(magic)} does not start with two zero bytes`);
  }
  const type = bytes[2];
  const ndims = bytes[3];
  if (type !== UNSIGNED_BYTE) {
    const typeName = IDX_TYPE_NAMES[type] ?? 'unknown';
    throw corrupt(`IDX element type ${hex(magic)} is ${typeName}, expected unsigned byte (0x08)`);
  }
  if (ndims < 1) throw corrupt(`IDX magic number ${hex(magic)} declares 0 dimensions`);
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw corrupt(`truncated: ${bytes.length} bytes, but the header of a ${ndims}-dimensional IDX file takes ${headerLength}`);
  }
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) shape.push(view.getUint32(4 + 4 * i));
  const declared = shape.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerLength;
  if (actual < declared) {
    throw corrupt(`truncated: shape [${shape.join(', ')}] declares ${declared} bytes of data, but only ${actual} follow the header`);
  }
  if (actual > declared) {
    throw corrupt(`${actual - declared} unexpected bytes after the ${declared} that shape [${shape.join(', ')}] declares`);
  }
  return { shape, data: bytes.subarray(headerLength) };
}
