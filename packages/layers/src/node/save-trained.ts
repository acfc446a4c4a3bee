import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '@zoo/fs/node';
import { MODEL_JSON, saveModel } from './file-io';
import { MANIFEST_JSON, sha256Hex, WEIGHTS_FORMAT, WEIGHTS_FORMAT_VERSION, type WeightsManifest } from '../pretrained/manifest';

/** What {@link saveTrainedModel} needs besides the model: everything in the manifest it cannot compute. */
export type TrainedModelFacts = Omit<WeightsManifest, 'format' | 'formatVersion' | 'files' | 'sha256' | 'bytes' | 'params' | 'createdAt'>;

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

/**
 * Saves a trained model as a zoo weights folder: TF.js Layers format (`model.json` + one weights
 * `.bin`, loadable by `tf.loadLayersModel`) and `manifest.json` with the weights' SHA-256. The folder
 * is built under a temporary name beside `dir` and renamed into place, so `dir` holds either the
 * previous complete folder or the new one, never a mix. Returns the manifest written.
 */
export async function saveTrainedModel(model: tf.LayersModel, dir: string, facts: TrainedModelFacts): Promise<WeightsManifest> {
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(dirname(dir), `.${basename(dir)}.tmp-${tag}`);
  try {
    await saveModel(model, temp);
    const modelJSON = JSON.parse(await readFile(join(temp, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
    const weights = modelJSON.weightsManifest.flatMap((group) => group.paths);
    const parts = await Promise.all(weights.map((name) => readFile(join(temp, name))));
    const { model: name, config, ...rest } = facts;
    // Identity and integrity first, then the run's facts: the order a reader looks for them in.
    const manifest: WeightsManifest = {
      format: WEIGHTS_FORMAT,
      formatVersion: WEIGHTS_FORMAT_VERSION,
      model: name,
      config,
      files: { model: MODEL_JSON, weights },
      sha256: await sha256Hex(parts),
      bytes: parts.reduce((n, p) => n + p.byteLength, 0),
      params: model.countParams(),
      ...rest,
      createdAt: new Date().toISOString(),
    };
    await writeFileAtomic(join(temp, MANIFEST_JSON), `${JSON.stringify(manifest, null, 2)}\n`);
    const old = join(dirname(dir), `.${basename(dir)}.old-${tag}`);
    const hadOld = await exists(dir);
    if (hadOld) await rename(dir, old);
    await rename(temp, dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
    return manifest;
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}
