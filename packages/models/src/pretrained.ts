import { loadPretrainedFromUrl, type LoadPretrainedOptions, type Pretrained } from '@zoo/layers';
import { getModelInfo, type ModelName } from './registry';

/**
 * The models whose trained weights ship with the zoo (in their family package's `weights/<name>/`),
 * with the Fashion-MNIST test accuracy each was trained to reach; the manifest records whether it did.
 * `alexnet` (187 MB) and `alexnet-classic` are too big to ship: load theirs with `weightsPath` or `url`.
 */
export const PRETRAINED_TARGETS: Readonly<Partial<Record<ModelName, number>>> = Object.freeze({
  lenet5: 0.8,
  'lenet5-relu': 0.89,
  'lenet5-dropout': 0.89,
  'alexnet-mini': 0.925,
});

/** Names of the models with shipped weights. */
export const PRETRAINED_MODELS: readonly ModelName[] = Object.freeze(Object.keys(PRETRAINED_TARGETS) as ModelName[]);

/**
 * Loads trained weights of any zoo model from `options.url` (the folder holding manifest.json, e.g.
 * the family package's `weights/<name>/` served by your bundler or server), verified against the
 * manifest: Keras' `weights=`, torchvision's `Weights`, tfjs-models' `load()` in one. Browser-safe.
 * In Node, `@zoo/models/node`'s `loadPretrained` reads the shipped weights from disk instead.
 */
export async function loadPretrained(name: ModelName, options: LoadPretrainedOptions = {}): Promise<Pretrained> {
  getModelInfo(name); // an unknown name lists the valid ones
  return loadPretrainedFromUrl(name, options);
}
