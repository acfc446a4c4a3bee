/**
 * The folder layout of `checkpointDir` and its upkeep: naming a checkpoint by its position, finding
 * the one `latest.json` names (or the newest complete one), sweeping what a crash left half-written,
 * and pruning old checkpoints.
 *
 * Layout of `checkpointDir`:
 *   latest.json                   → { "checkpoint": "ckpt-e0003-b000000" }, replaced atomically
 *   ckpt-e0003-b000000/           one checkpoint, named by its position (epoch 3, batch 0)
 *     manifest.json               format version, architecture fingerprint, state, tensor index, file hashes
 *     weights.bin                 model.weights in order, raw little-endian float32/int32
 *     model.json                  TF.js Layers format over weights.bin, so tf.loadLayersModel opens the checkpoint
 *     optimizer.bin               optimizer.getWeights() in order, same encoding
 *   .tmp-…                        a checkpoint folder or latest.json being written; renamed into place when complete
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TEMP_PREFIX } from '@zoo/fs/node';
import { CheckpointError } from '../../errors';
import type { RunPosition } from '../../types';

/** File names inside a checkpoint directory and beside it. */
export const LATEST = 'latest.json';
export const MANIFEST = 'manifest.json';
export const WEIGHTS = 'weights.bin';
/** The weights as a TF.js Layers model: its topology and weightsManifest pointing at weights.bin. */
export const MODEL_JSON = 'model.json';
export const OPTIMIZER = 'optimizer.bin';
export const CHECKPOINT_NAME = /^ckpt-e\d{4,}-b\d{6,}$/;

export function checkpointName(position: RunPosition): string {
  return `ckpt-e${String(position.epoch).padStart(4, '0')}-b${String(position.batch).padStart(6, '0')}`;
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
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

/** Deletes every checkpoint but `current` and the `keep - 1` newest before it. */
export async function pruneCheckpoints(dir: string, current: string, keep: number): Promise<void> {
  const names = (await fs.readdir(dir)).filter((n) => CHECKPOINT_NAME.test(n) && n !== current).sort();
  const older = names.filter((n) => n < current);
  const keepSet = new Set(older.slice(Math.max(0, older.length - (keep - 1))));
  await Promise.all(
    names.filter((n) => !keepSet.has(n)).map((n) => fs.rm(path.join(dir, n), { recursive: true, force: true })),
  );
}

export async function readJson(file: string): Promise<unknown> {
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

export async function readLatestName(dir: string): Promise<string | null> {
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
