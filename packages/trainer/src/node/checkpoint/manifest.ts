/**
 * What a checkpoint's manifest.json holds, and reading a checkpoint back with every check made
 * before the model is touched: format and version, the tensor index against the files' sizes, and
 * each file's size and SHA-256.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError } from '../../errors';
import type { ArchitectureFingerprint } from '../../fingerprint';
import type { EpochRecord, PartialEpoch, ResolvedTrainConfig, RunPosition } from '../../types';
import { exists, LATEST, MANIFEST, OPTIMIZER, readJson, resolveCheckpointPath, WEIGHTS } from './layout';
import type { FileEntry, TensorEntry } from './tensors';

export const CHECKPOINT_FORMAT = 'zoo-trainer-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;

/** The state of a run that a checkpoint holds besides tensors. */
export interface CheckpointState {
  /** The next batch to train. */
  readonly position: RunPosition;
  /** The dropout RNG: a pure function of seed and step, so these two are its whole state. */
  readonly rng: { readonly algorithm: string; readonly seed: number; readonly step: number };
  /** Sums of the epoch in progress when the checkpoint is mid-epoch, else null. */
  readonly partialEpoch: PartialEpoch | null;
  readonly history: readonly EpochRecord[];
  readonly config: ResolvedTrainConfig;
}

/** Contents of manifest.json. */
export interface CheckpointManifest extends CheckpointState {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly formatVersion: number;
  readonly createdAt: string;
  readonly endianness: 'LE';
  readonly fingerprint: ArchitectureFingerprint;
  readonly optimizer: { readonly name: string; readonly className: string; readonly slotNames: readonly string[] };
  readonly tensors: { readonly weights: readonly TensorEntry[]; readonly optimizer: readonly TensorEntry[] };
  readonly files: { readonly [WEIGHTS]: FileEntry; readonly [OPTIMIZER]: FileEntry };
}

/** A checkpoint read from disk with its integrity checked. */
export interface LoadedCheckpoint {
  readonly path: string;
  readonly manifest: CheckpointManifest;
  readonly weights: Buffer;
  readonly optimizer: Buffer;
}

/** Summary of the checkpoint a directory's `latest.json` names. */
export interface CheckpointInfo {
  readonly path: string;
  readonly createdAt: string;
  readonly position: RunPosition;
  /** Sums of the epoch in progress when the checkpoint is mid-epoch, else null. */
  readonly partialEpoch: PartialEpoch | null;
  readonly history: readonly EpochRecord[];
  readonly config: ResolvedTrainConfig;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function checkEntries(file: string, entries: unknown, bytes: number): void {
  if (!Array.isArray(entries)) throw new CheckpointError(file, 'has no tensor index');
  for (const e of entries as Partial<TensorEntry>[]) {
    const count = Array.isArray(e?.shape) ? e.shape.reduce((a, b) => a * b, 1) : NaN;
    const ok =
      typeof e?.name === 'string' &&
      (e.dtype === 'float32' || e.dtype === 'int32') &&
      e.byteLength === count * 4 &&
      typeof e.offset === 'number' &&
      e.offset >= 0 &&
      e.offset + e.byteLength <= bytes;
    if (!ok) throw new CheckpointError(file, `has an invalid tensor entry ${JSON.stringify(e)}`);
  }
}

function checkManifest(file: string, m: unknown): CheckpointManifest {
  if (!isObject(m) || m.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(file, `is not a ${CHECKPOINT_FORMAT} manifest`);
  }
  if (m.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(
      file,
      `has format version ${JSON.stringify(m.formatVersion)}; this trainer reads version ${CHECKPOINT_FORMAT_VERSION}`,
    );
  }
  const missing = ['fingerprint', 'optimizer', 'position', 'rng', 'history', 'config', 'tensors', 'files'].filter(
    (k) => !(k in m),
  );
  if (missing.length > 0) throw new CheckpointError(file, `lacks ${missing.join(', ')}: the file is corrupt`);
  const manifest = m as unknown as CheckpointManifest;
  if (!isObject(manifest.files) || !isObject(manifest.files[WEIGHTS]) || !isObject(manifest.files[OPTIMIZER])) {
    throw new CheckpointError(file, 'has no file index');
  }
  checkEntries(file, manifest.tensors?.weights, manifest.files[WEIGHTS].bytes);
  checkEntries(file, manifest.tensors?.optimizer, manifest.files[OPTIMIZER].bytes);
  return manifest;
}

async function readBin(dir: string, name: typeof WEIGHTS | typeof OPTIMIZER, expected: FileEntry): Promise<Buffer> {
  const file = path.join(dir, name);
  let data: Buffer;
  try {
    data = await fs.readFile(file);
  } catch (err) {
    throw new CheckpointError(file, `cannot be read (${(err as Error).message})`);
  }
  if (data.byteLength !== expected.bytes) {
    throw new CheckpointError(
      file,
      `has ${data.byteLength} bytes but the manifest says ${expected.bytes}: the file is truncated or corrupt`,
    );
  }
  const sha = createHash('sha256').update(data).digest('hex');
  if (sha !== expected.sha256) {
    throw new CheckpointError(file, `has SHA-256 ${sha} but the manifest says ${expected.sha256}: the file is corrupt`);
  }
  return data;
}

/** Reads the checkpoint `p` refers to (see {@link resolveCheckpointPath}) and checks its integrity. */
export async function loadCheckpoint(p: string): Promise<LoadedCheckpoint> {
  const dir = await resolveCheckpointPath(p);
  if (dir === null) throw new CheckpointError(p, `holds no checkpoint (neither ${LATEST} nor ${MANIFEST})`);
  const manifestFile = path.join(dir, MANIFEST);
  const manifest = checkManifest(manifestFile, await readJson(manifestFile));
  const weights = await readBin(dir, WEIGHTS, manifest.files[WEIGHTS]);
  const optimizer = await readBin(dir, OPTIMIZER, manifest.files[OPTIMIZER]);
  return { path: dir, manifest, weights, optimizer };
}

/** The latest complete checkpoint in `dir` (its manifest only, files unchecked), or null when there is none. */
export async function latestCheckpoint(dir: string): Promise<CheckpointInfo | null> {
  if (!(await exists(dir))) return null;
  const target = await resolveCheckpointPath(dir);
  if (target === null) return null;
  const file = path.join(target, MANIFEST);
  const m = checkManifest(file, await readJson(file));
  return { path: target, createdAt: m.createdAt, position: m.position, partialEpoch: m.partialEpoch ?? null, history: m.history, config: m.config };
}
