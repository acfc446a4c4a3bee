import type * as tf from '@tensorflow/tfjs';
import { ALEXNET_FAMILY, ALEXNET_MODELS, type AlexNetConfig, type AlexNetVariant } from '@zoo/alexnet';
import type { CommonModelConfig, ModelFamily, ModelInfo } from '@zoo/layers';
import { LENET_FAMILY, LENET_MODELS, type LeNetConfig, type LeNetVariant } from '@zoo/lenet';

/** Every model name the zoo can build. */
export type ModelName = LeNetVariant | AlexNetVariant;

/** The config {@link createModel} accepts for a given model name: its family's, minus `variant`. */
export type ModelConfig<N extends ModelName = ModelName> = N extends LeNetVariant
  ? Omit<LeNetConfig, 'variant'>
  : N extends AlexNetVariant
    ? Omit<AlexNetConfig, 'variant'>
    : never;

interface Entry {
  info: ModelInfo;
  build(config: CommonModelConfig): tf.LayersModel;
}

/** A family's variants as registry entries: its metadata, and its builder with the variant filled in. */
function entries<V extends string, C extends CommonModelConfig & { variant?: V }>(family: ModelFamily<V, C>): [string, Entry][] {
  return family.variants.map((variant) => [variant, { info: family.models[variant], build: (config) => family.build({ ...config, variant } as C) }]);
}

// One row per variant; a new variant in a family package shows up here (and in every registry-driven
// test) without touching this file.
const REGISTRY: ReadonlyMap<string, Entry> = new Map<string, Entry>([...entries(LENET_FAMILY), ...entries(ALEXNET_FAMILY)]);

/** Every registered model name, LeNets first, in the families' table order. */
export const MODEL_NAMES: readonly ModelName[] = Object.freeze([...REGISTRY.keys()] as ModelName[]);

/** Metadata of every model, by name: what an app needs to pick input size, channels and classes without building. */
export const MODELS: Readonly<Record<ModelName, ModelInfo>> = Object.freeze({ ...LENET_MODELS, ...ALEXNET_MODELS });

function entry(name: string): Entry {
  const found = REGISTRY.get(name);
  if (found === undefined) {
    throw new RangeError(`unknown model '${name}'; valid names: ${MODEL_NAMES.join(', ')}`);
  }
  return found;
}

/** Metadata of every model, in {@link MODEL_NAMES} order. */
export function listModels(): ModelInfo[] {
  return MODEL_NAMES.map((name) => MODELS[name]);
}

/** Metadata of one model; an unknown name is an error that lists the valid ones. */
export function getModelInfo(name: string): ModelInfo {
  return entry(name).info;
}

/** Whether `name` is a registered model. */
export function isModelName(name: string): name is ModelName {
  return REGISTRY.has(name);
}

/**
 * Builds a model by registry name, e.g. `createModel('alexnet-mini', { seed: 1 })`. The config is the
 * family's (`LeNetConfig` or `AlexNetConfig`) without `variant`; an unknown name is an error that
 * lists the valid ones.
 */
export function createModel<N extends ModelName>(name: N, config?: ModelConfig<N>): tf.LayersModel;
export function createModel(name: string, config?: CommonModelConfig): tf.LayersModel;
export function createModel(name: string, config: CommonModelConfig = {}): tf.LayersModel {
  if (config !== null && typeof config === 'object' && 'variant' in config) {
    throw new RangeError(`createModel('${name}'): config must not contain 'variant' (the name picks it); received variant '${String(config.variant)}'`);
  }
  return entry(name).build(config);
}
