/** Tensors to and from the raw little-endian .bin files of a checkpoint, with their index and hashes. */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';

/** Where a tensor lies in a .bin file. */
export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  readonly offset: number;
  readonly byteLength: number;
}

/** Size and hash of a .bin file. */
export interface FileEntry {
  readonly bytes: number;
  readonly sha256: string;
}

/** A tensor with the name it is saved under. */
export interface NamedTensor {
  readonly name: string;
  readonly tensor: tf.Tensor;
}

export async function packTensors(tensors: readonly NamedTensor[]): Promise<{ entries: TensorEntry[]; data: Buffer }> {
  const entries: TensorEntry[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const { name, tensor } of tensors) {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') {
      throw new TypeError(
        `cannot checkpoint tensor ${name} of dtype ${tensor.dtype}: only float32 and int32 are supported`,
      );
    }
    const values = await tensor.data<'float32' | 'int32'>();
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    entries.push({ name, shape: [...tensor.shape], dtype: tensor.dtype, offset, byteLength: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  return { entries, data: Buffer.concat(chunks) };
}

export function fileEntry(data: Buffer): FileEntry {
  return { bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

export function unpack(data: Buffer, e: TensorEntry): tf.Tensor {
  const bytes = data.buffer.slice(data.byteOffset + e.offset, data.byteOffset + e.offset + e.byteLength);
  const values = e.dtype === 'float32' ? new Float32Array(bytes) : new Int32Array(bytes);
  return tf.tensor(values, [...e.shape], e.dtype);
}
