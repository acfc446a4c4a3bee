import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '@zoo/fs/node';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';

/** The file TF.js's `tf.loadLayersModel` looks for, and the one {@link fileIOHandler} writes last. */
export const MODEL_JSON = 'model.json';
const WEIGHTS_FILE = /^weights\.[0-9a-f]+\.bin$/;

function asBuffers(data: tf.io.WeightData | undefined): Buffer[] {
  if (data === undefined) return [];
  return (Array.isArray(data) ? data : [data]).map((part) => Buffer.from(part));
}

/** Size and SHA-256 of one weights file, as {@link fileIOHandler} records them in model.json. */
export interface WeightsFileCheck {
  bytes: number;
  sha256: string;
}

/** What {@link fileIOHandler} adds to model.json beside TF.js's fields (which TF.js's own loaders ignore). */
interface ZooModelJSON extends tf.io.ModelJSON {
  /** Per weights path: its size and SHA-256, checked on load. */
  weightsIntegrity?: Record<string, WeightsFileCheck>;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Bytes the weights of `specs` take, or null when a string tensor makes it unknowable up front. */
function expectedWeightBytes(specs: readonly tf.io.WeightsManifestEntry[]): number | null {
  const size: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };
  let total = 0;
  for (const spec of specs) {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    if (size[dtype] === undefined) return null;
    total += size[dtype] * spec.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}

/** `file` inside `dir`, or an error: a model.json must not make the loader read files elsewhere. */
function confinedPath(dir: string, jsonPath: string, file: unknown): string {
  const root = resolve(dir);
  const target = typeof file === 'string' && file !== '' && !isAbsolute(file) ? resolve(root, file) : undefined;
  const rel = target === undefined ? undefined : relative(root, target);
  if (rel === undefined || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new Error(`fileIOHandler: ${jsonPath} names weights file ${JSON.stringify(file)}; expected a file inside ${root}`);
  }
  return target!;
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
 * Loading checks what it reads as the trainer checks a checkpoint: every weights path must lie inside
 * `dir`, the files together must be exactly as long as the weights model.json lists, and a file whose
 * size and SHA-256 model.json records (`weightsIntegrity`, written by `save`) must match them. Every
 * error names the file.
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
      await writeFileAtomic(join(dir, weightsName), weights);
      const modelJSON: ZooModelJSON = {
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
      modelJSON.weightsIntegrity = { [weightsName]: { bytes: weights.byteLength, sha256: sha256(weights) } };
      await writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(modelJSON));
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
      let modelJSON: ZooModelJSON;
      try {
        modelJSON = JSON.parse(text) as ZooModelJSON;
      } catch (err) {
        throw new Error(`fileIOHandler: ${path} is not valid JSON (${(err as Error).message}); the file is corrupt`);
      }
      if (typeof modelJSON !== 'object' || modelJSON === null || !Array.isArray(modelJSON.weightsManifest)) {
        throw new Error(`fileIOHandler: ${path} has no weightsManifest list; expected a TF.js layers model.json`);
      }
      const integrity = modelJSON.weightsIntegrity ?? {};
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const parts: Buffer[] = [];
        const files: string[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const name of group.paths) {
            const file = confinedPath(dir, path, name);
            let data: Buffer;
            try {
              data = await readFile(file);
            } catch (err) {
              throw new Error(`fileIOHandler: cannot read weights file ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}), named by ${path}`);
            }
            const check = integrity[name];
            if (check !== undefined && (data.byteLength !== check.bytes || sha256(data) !== check.sha256)) {
              throw new Error(
                `fileIOHandler: weights file ${file} has ${data.byteLength} bytes and SHA-256 ${sha256(data)}, but ${path} ` +
                  `says ${check.bytes} bytes and ${check.sha256}: the file is corrupt`,
              );
            }
            parts.push(data);
            files.push(file);
          }
        }
        const joined = Buffer.concat(parts);
        const expected = expectedWeightBytes(specs);
        if (expected !== null && expected !== joined.byteLength) {
          throw new Error(
            `fileIOHandler: weights file${files.length === 1 ? '' : 's'} ${files.join(', ')} hold${files.length === 1 ? 's' : ''} ` +
              `${joined.byteLength} bytes, but the ${specs.length} weights in ${path} take ${expected}: the model is truncated or corrupt`,
          );
        }
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
