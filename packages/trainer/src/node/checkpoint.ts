/**
 * Checkpoints: model weights, optimizer state, position, RNG state, history and config, written so
 * that a reader only ever sees a complete one.
 *
 * Layout of `checkpointDir`:
 *   latest.json                   → { "checkpoint": "ckpt-e0003-b000000" }, replaced atomically
 *   ckpt-e0003-b000000/           one checkpoint, named by its position (epoch 3, batch 0)
 *     manifest.json               format version, architecture fingerprint, state, tensor index, file hashes
 *     weights.bin                 model.weights in order, raw little-endian float32/int32
 *     optimizer.bin               optimizer.getWeights() in order, same encoding
 *   .tmp-…                        a checkpoint folder or latest.json being written; renamed into place when complete
 *
 * A checkpoint directory is written under a temporary name and renamed, then `latest.json` is
 * replaced by rename, then older checkpoints are pruned: a crash at any point leaves `latest.json`
 * naming a complete checkpoint, or (a crash before the first latest.json) a complete checkpoint
 * folder that {@link resolveCheckpointPath} finds, or only `.tmp-*` leftovers, which count as nothing
 * and are swept when training starts. Raw binary keeps the format self-contained (no dependency on a
 * model-IO package) and lets a reader check sizes and SHA-256 before it touches the model.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { syncDir, TEMP_PREFIX, writeFileAtomic, writeFileDurable } from '@zoo/layers/node';
import { CheckpointError } from '../errors';
import { architectureFingerprint, fingerprintDifference, shapeText, type ArchitectureFingerprint } from '../fingerprint';
import type { TrainerOptimizer } from '../optimizers';
import type { EpochRecord, PartialEpoch, ResolvedTrainConfig, RunPosition } from '../types';

export const CHECKPOINT_FORMAT = 'zoo-trainer-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;
const LATEST = 'latest.json';
const MANIFEST = 'manifest.json';
const WEIGHTS = 'weights.bin';
const OPTIMIZER = 'optimizer.bin';
const CHECKPOINT_NAME = /^ckpt-e\d{4,}-b\d{6,}$/;

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

function checkpointName(position: RunPosition): string {
  return `ckpt-e${String(position.epoch).padStart(4, '0')}-b${String(position.batch).padStart(6, '0')}`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}

/** A tensor with the name it is saved under. */
export interface NamedTensor {
  readonly name: string;
  readonly tensor: tf.Tensor;
}

async function packTensors(tensors: readonly NamedTensor[]): Promise<{ entries: TensorEntry[]; data: Buffer }> {
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

function fileEntry(data: Buffer): FileEntry {
  return { bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

/**
 * Removes what runs that did not finish left half-written (`.tmp-*`: a checkpoint folder or a
 * latest.json on its way). Only for a `dir` that no other run is writing to at the same time.
 */
export async function removeIncompleteCheckpoints(dir: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => n.startsWith(TEMP_PREFIX)).map((n) => fs.rm(path.join(dir, n), { recursive: true, force: true })),
  );
}

/**
 * Writes a checkpoint of `model`, `optimizer` and `state` into `dir` and makes it the latest;
 * keeps the `keep` newest complete checkpoints. Returns the checkpoint's path.
 */
export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  optimizer: TrainerOptimizer,
  optimizerName: string,
  state: CheckpointState,
  keep = 1,
): Promise<string> {
  if (os.endianness() !== 'LE') throw new Error('checkpoints are written little-endian; this machine is big-endian');
  const weights = await packTensors(model.weights.map((w) => ({ name: w.name, tensor: w.read() })));
  const optimizerWeights = await optimizer.getWeights();
  let optimizerPacked: { entries: TensorEntry[]; data: Buffer };
  try {
    optimizerPacked = await packTensors(optimizerWeights);
  } finally {
    // getWeights returns a fresh `iter` scalar next to the live slot variables: dispose only the former.
    for (const { tensor } of optimizerWeights) if (!(tensor instanceof tf.Variable)) tensor.dispose();
  }
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    endianness: 'LE',
    fingerprint: await architectureFingerprint(model),
    optimizer: { name: optimizerName, className: optimizer.getClassName(), slotNames: [...optimizer.slotNames] },
    ...state,
    tensors: { weights: weights.entries, optimizer: optimizerPacked.entries },
    files: { [WEIGHTS]: fileEntry(weights.data), [OPTIMIZER]: fileEntry(optimizerPacked.data) },
  };

  await fs.mkdir(dir, { recursive: true });
  const name = checkpointName(state.position);
  const finalPath = path.join(dir, name);
  const tmp = path.join(dir, `${TEMP_PREFIX}${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const previous = await readLatestName(dir);
  await fs.mkdir(tmp);
  try {
    await writeFileDurable(path.join(tmp, WEIGHTS), weights.data);
    await writeFileDurable(path.join(tmp, OPTIMIZER), optimizerPacked.data);
    await writeFileDurable(path.join(tmp, MANIFEST), JSON.stringify(manifest, null, 2));
    await syncDir(tmp);
    if (previous === name) {
      // The same position was saved already (e.g. abort right after an epoch's checkpoint): same state.
      await fs.rm(tmp, { recursive: true, force: true });
      return finalPath;
    }
    // A directory with this name that latest.json does not name is left from an abandoned run.
    await fs.rm(finalPath, { recursive: true, force: true });
    await fs.rename(tmp, finalPath);
    await writeFileAtomic(
      path.join(dir, LATEST),
      JSON.stringify({ format: CHECKPOINT_FORMAT, formatVersion: CHECKPOINT_FORMAT_VERSION, checkpoint: name }, null, 2),
    );
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await pruneCheckpoints(dir, name, keep);
  return finalPath;
}

/** Deletes every checkpoint but `current` and the `keep - 1` newest before it. */
async function pruneCheckpoints(dir: string, current: string, keep: number): Promise<void> {
  const names = (await fs.readdir(dir)).filter((n) => CHECKPOINT_NAME.test(n) && n !== current).sort();
  const older = names.filter((n) => n < current);
  const keepSet = new Set(older.slice(Math.max(0, older.length - (keep - 1))));
  await Promise.all(
    names.filter((n) => !keepSet.has(n)).map((n) => fs.rm(path.join(dir, n), { recursive: true, force: true })),
  );
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new CheckpointError(file, `cannot be read (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CheckpointError(file, `is not valid JSON (${(err as Error).message}); the file is corrupt`);
  }
}

async function readLatestName(dir: string): Promise<string | null> {
  const file = path.join(dir, LATEST);
  if (!(await exists(file))) return null;
  const latest = (await readJson(file)) as { checkpoint?: unknown } | null;
  const name = latest?.checkpoint;
  if (typeof name !== 'string' || !CHECKPOINT_NAME.test(name)) {
    throw new CheckpointError(
      file,
      `must name a checkpoint directory like "ckpt-e0003-b000000", got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/**
 * The checkpoint directory `p` refers to: the one its `latest.json` names; without a latest.json,
 * the newest complete checkpoint folder in it (a crash between renaming a checkpoint into place and
 * writing latest.json leaves one); or `p` itself when it holds a manifest.json; null when it holds
 * none of these (temporary `.tmp-*` folders never count).
 */
export async function resolveCheckpointPath(p: string): Promise<string | null> {
  const latest = await readLatestName(p);
  if (latest !== null) {
    const target = path.join(p, latest);
    if (!(await exists(path.join(target, MANIFEST)))) {
      throw new CheckpointError(target, `is named by ${path.join(p, LATEST)} but has no ${MANIFEST}`);
    }
    return target;
  }
  if (await exists(path.join(p, MANIFEST))) return p;
  const names = (await fs.readdir(p).catch(() => [] as string[])).filter((n) => CHECKPOINT_NAME.test(n)).sort().reverse();
  for (const name of names) {
    // Folders are renamed into place whole, so one with a manifest is complete.
    if (await exists(path.join(p, name, MANIFEST))) return path.join(p, name);
  }
  return null;
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

function unpack(data: Buffer, e: TensorEntry): tf.Tensor {
  const bytes = data.buffer.slice(data.byteOffset + e.offset, data.byteOffset + e.offset + e.byteLength);
  const values = e.dtype === 'float32' ? new Float32Array(bytes) : new Int32Array(bytes);
  return tf.tensor(values, [...e.shape], e.dtype);
}

/**
 * Puts a loaded checkpoint's weights into `model` and its state into a fresh `optimizer`, after
 * checking that both match what the checkpoint was written for.
 */
export async function restoreCheckpoint(
  loaded: LoadedCheckpoint,
  model: tf.LayersModel,
  optimizer: TrainerOptimizer,
  optimizerName: string,
  trainable: readonly tf.Variable[],
): Promise<void> {
  const { manifest } = loaded;
  const difference = fingerprintDifference(manifest.fingerprint, await architectureFingerprint(model));
  if (difference !== null) {
    throw new CheckpointError(loaded.path, `was written for another model architecture: ${difference}`);
  }
  if (manifest.optimizer.name !== optimizerName) {
    throw new CheckpointError(
      loaded.path,
      `holds the state of optimizer '${manifest.optimizer.name}' but this run uses '${optimizerName}'`,
    );
  }
  const wanted = model.weights;
  const saved = manifest.tensors.weights;
  saved.forEach((e, i) => {
    if (i >= wanted.length || shapeText(e.shape) !== shapeText(wanted[i].shape)) {
      throw new CheckpointError(
        loaded.path,
        `weight ${i} (${e.name}) has shape ${shapeText(e.shape)}, the model's ${wanted[i]?.name ?? 'nothing'}`,
      );
    }
  });
  if (saved.length !== wanted.length) {
    throw new CheckpointError(loaded.path, `holds ${saved.length} weights, the model has ${wanted.length}`);
  }
  const slots = manifest.tensors.optimizer.slice(1);
  const perVariable = optimizer.slotNames.length;
  const slotsOk =
    manifest.tensors.optimizer[0]?.name === 'iter' &&
    (slots.length === 0 || slots.length === perVariable * trainable.length) &&
    slots.every((e, i) => shapeText(e.shape) === shapeText(trainable[Math.floor(i / Math.max(1, perVariable))].shape));
  if (!slotsOk) {
    throw new CheckpointError(
      loaded.path,
      `optimizer state (${manifest.tensors.optimizer.length} tensors) does not fit ${trainable.length} trainable ` +
        `weights with ${perVariable} slot(s) each`,
    );
  }

  const weightTensors = saved.map((e) => unpack(loaded.weights, e));
  const optimizerTensors = manifest.tensors.optimizer.map((e) => ({
    name: e.name,
    tensor: unpack(loaded.optimizer, e),
  }));
  try {
    model.setWeights(weightTensors);
    await optimizer.setWeights(optimizerTensors);
  } finally {
    tf.dispose(weightTensors);
    tf.dispose(optimizerTensors.map((t) => t.tensor));
  }
}
