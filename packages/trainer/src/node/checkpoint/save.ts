/**
 * Writing a checkpoint so that a reader only ever sees a complete one: the directory is written
 * under a temporary name and renamed, then `latest.json` is replaced by rename, then older
 * checkpoints are pruned. A crash at any point leaves `latest.json` naming a complete checkpoint,
 * or (a crash before the first latest.json) a complete checkpoint folder that
 * `resolveCheckpointPath` finds, or only `.tmp-*` leftovers, which count as nothing and are swept
 * when training starts. Raw binary keeps the format self-contained (no dependency on a model-IO
 * package) and lets a reader check sizes and SHA-256 before it touches the model.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { syncDir, TEMP_PREFIX, writeFileAtomic, writeFileDurable } from '@zoo/fs/node';
import { architectureFingerprint } from '../../fingerprint';
import type { TrainerOptimizer } from '../../optimizers';
import { checkpointName, LATEST, MANIFEST, MODEL_JSON, OPTIMIZER, pruneCheckpoints, readLatestName, WEIGHTS } from './layout';
import { CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION, type CheckpointManifest, type CheckpointState } from './manifest';
import { fileEntry, packTensors, type TensorEntry } from './tensors';

/**
 * The checkpoint's weights as a TF.js Layers model (model.json beside weights.bin, which already
 * holds model.weights in order as TF.js's weights files do), so that `tf.loadLayersModel` opens any
 * checkpoint. TF.js matches weights by their original names, as `model.save` writes them.
 */
function layersModelJson(model: tf.LayersModel, entries: readonly TensorEntry[]): tf.io.ModelJSON {
  return {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'],
    weightsManifest: [{ paths: [WEIGHTS], weights: entries.map((e, i) => ({ name: model.weights[i].originalName, shape: [...e.shape], dtype: e.dtype })) }],
  };
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
    await writeFileDurable(path.join(tmp, MODEL_JSON), JSON.stringify(layersModelJson(model, weights.entries)));
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
