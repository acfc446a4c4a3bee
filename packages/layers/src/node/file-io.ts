import * as tf from '@tensorflow/tfjs';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** The file TF.js's `tf.loadLayersModel` looks for, and the one {@link fileIOHandler} writes last. */
export const MODEL_JSON = 'model.json';
const WEIGHTS_FILE = /^weights\.[0-9a-f]+\.bin$/;

function asBuffers(data: tf.io.WeightData | undefined): Buffer[] {
  if (data === undefined) return [];
  return (Array.isArray(data) ? data : [data]).map((part) => Buffer.from(part));
}

/** Writes via a temporary name in the same directory, flushed, then renamed over `path`: a reader never sees half a file. */
export async function writeAtomic(path: string, data: Buffer | string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const file = await open(temp, 'w');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * A TF.js `IOHandler` that saves to and loads from a directory on disk in TF.js's own format
 * (`model.json` plus a binary weights file), using only `node:fs`: no tfjs-node needed.
 *
 * Saving is atomic: the weights go to a file named after their content hash, then `model.json` is
 * replaced by rename, which is the commit point. A crash at any moment leaves either the previous
 * model or the new one, never a `model.json` that points at half-written weights, which is what a
 * training run's checkpoints need. Weights files no longer referenced are removed afterwards.
 *
 * Use it with `model.save(fileIOHandler(dir))` (optionally `{ includeOptimizer: true }`) and
 * `tf.loadLayersModel(fileIOHandler(dir))`; {@link saveModel} and {@link loadModel} do exactly that.
 */
export function fileIOHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new TypeError('fileIOHandler: binary model topologies (graph models) are not supported; save a tf.LayersModel');
      }
      await mkdir(dir, { recursive: true });
      const weights = Buffer.concat(asBuffers(artifacts.weightData));
      const weightsName = `weights.${createHash('sha256').update(weights).digest('hex').slice(0, 16)}.bin`;
      await writeAtomic(join(dir, weightsName), weights);
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
      };
      if (artifacts.trainingConfig !== undefined) modelJSON.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature !== undefined) modelJSON.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata !== undefined) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer !== undefined) modelJSON.modelInitializer = artifacts.modelInitializer;
      if (artifacts.initializerSignature !== undefined) modelJSON.initializerSignature = artifacts.initializerSignature;
      await writeAtomic(join(dir, MODEL_JSON), JSON.stringify(modelJSON));
      for (const name of await readdir(dir)) {
        if (WEIGHTS_FILE.test(name) && name !== weightsName) await rm(join(dir, name), { force: true });
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const path = join(dir, MODEL_JSON);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new Error(`fileIOHandler: cannot read ${path} (${code ?? String(err)}); is '${dir}' a directory written by saveModel or model.save?`);
      }
      const modelJSON = JSON.parse(text) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const parts: Buffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const file of group.paths) parts.push(await readFile(join(dir, file)));
        }
        const joined = Buffer.concat(parts);
        const data = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer;
        return [specs, data];
      });
    },
  };
}

/**
 * Saves a model to `dir` in TF.js's format, atomically (see {@link fileIOHandler}). Pass
 * `{ includeOptimizer: true }` to keep a compiled model's optimizer state for resuming.
 */
export async function saveModel(model: tf.LayersModel, dir: string, config?: tf.io.SaveConfig): Promise<tf.io.SaveResult> {
  return model.save(fileIOHandler(dir), config);
}

/** Loads a model saved by {@link saveModel} (or any TF.js layers model directory). Zoo custom layers load too. */
export async function loadModel(dir: string, options?: tf.io.LoadOptions): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileIOHandler(dir), options);
}
