import { checkInteger, checkNumber, checkOneOf } from './checks';
import { KERNEL_INITIALIZERS, type KernelInitializerName } from './initializers';
import { minInputSize, specShapes, type LayerSpec } from './sequential-spec';

/**
 * The optimizers a recipe may name and `@zoo/trainer` implements: `sgd` (plain), `momentum` (SGD
 * with momentum) or `adam`. Defined here, below both, so the registry's recipes and the trainer
 * share one list (the trainer re-exports it).
 */
export type OptimizerName = 'sgd' | 'momentum' | 'adam';

/** How the model's authors (or D2L) trained it; a starting point for a trainer, not a requirement. */
export interface TrainingDefaults {
  /** `sgd` (plain), `momentum` (SGD with momentum) or `adam`. */
  optimizer: OptimizerName;
  /** Initial learning rate. */
  learningRate: number;
  /** Examples per step. */
  batchSize: number;
  /** Passes over the training set. */
  epochs: number;
  /** Epochs after which the learning rate is divided by 10 (the 2012 paper's step schedule). Default: none. */
  lrDropEpochs?: number[];
  /** `cosine`: decay from `learningRate` to 0 over all epochs' steps (per step); else the step schedule of `lrDropEpochs`. Default: step. */
  lrSchedule?: 'step' | 'cosine';
  /** Random augmentation of the training images (the `augment` option of `@zoo/datasets`' `toDataset`). Default: none. */
  augment?: { flip?: boolean; crop?: number };
  /** Seed of the weights, the data order and dropout, for recipes meant to be re-run (the shipped weights). Default: none. */
  seed?: number;
  /** For `momentum`. */
  momentum?: number;
  /** L2 weight decay, if the source used it. */
  weightDecay?: number;
  /** Where these numbers come from. */
  source: string;
}

/** What an app needs to know about a model variant without building it. */
export interface ModelInfo {
  /** The registry name, e.g. `alexnet-mini`. */
  name: string;
  /** `lenet` or `alexnet`. */
  family: string;
  description: string;
  citation: string;
  /** Default square input side, pixels. */
  inputSize: number;
  /** Smallest input side the architecture accepts. */
  minInputSize: number;
  /** Default input channels. */
  inChannels: number;
  /** Default number of classes. */
  numClasses: number;
  /** Parameters with the default config. */
  params: number;
  /**
   * What the `predictions` layer outputs by default: `softmax` probabilities, to pair with
   * `categoricalCrossentropy` (pass `classifierActivation: 'linear'` for logits).
   */
  outputActivation: 'softmax' | 'linear';
  training: TrainingDefaults;
}

/** Config fields every zoo builder accepts. */
export interface CommonModelConfig {
  /** Square input side in pixels. Default: the variant's (`ModelInfo.inputSize`). */
  inputSize?: number;
  /** Input channels. Default: the variant's (`ModelInfo.inChannels`). */
  inChannels?: number;
  /** Output classes. Default: the variant's (`ModelInfo.numClasses`). */
  numClasses?: number;
  /** Dropout rate of the dense head, in [0, 1). Default: the variant's. */
  dropout?: number;
  /** Initialiser of conv and dense kernels. Default: `glorotUniform` (D2L's `train_ch6`). Biases start at 0. */
  kernelInitializer?: KernelInitializerName;
  /** Seed: the same seed builds the same weights. Default: none (random weights each build). */
  seed?: number;
  /** Activation of the `predictions` layer: `softmax` or `linear` (logits). Default: `softmax`. */
  classifierActivation?: 'softmax' | 'linear';
}

/** The keys of {@link CommonModelConfig}, for checking a config object for typos. */
export const COMMON_CONFIG_KEYS = [
  'inputSize',
  'inChannels',
  'numClasses',
  'dropout',
  'kernelInitializer',
  'seed',
  'classifierActivation',
] as const;

/** {@link CommonModelConfig} after defaults and checks. */
export interface ResolvedCommonConfig {
  inputSize: number;
  inChannels: number;
  numClasses: number;
  dropout: number;
  kernelInitializer: KernelInitializerName;
  seed: number | undefined;
  classifierActivation: 'softmax' | 'linear';
}

/**
 * Fills in a builder's common config from the variant's defaults and checks every value, so a bad
 * value fails before any weight is allocated. The input's lower bound depends on the architecture and
 * is checked separately by {@link checkInputSize}.
 */
export function resolveCommonConfig(
  where: string,
  config: CommonModelConfig,
  defaults: Pick<ResolvedCommonConfig, 'inputSize' | 'inChannels' | 'numClasses' | 'dropout'>,
): ResolvedCommonConfig {
  const seed = config.seed;
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed))) {
    throw new RangeError(`${where}: seed must be an integer; received ${String(seed)}`);
  }
  return {
    inputSize: checkInteger(where, 'inputSize', config.inputSize ?? defaults.inputSize, 1),
    inChannels: checkInteger(where, 'inChannels', config.inChannels ?? defaults.inChannels, 1),
    numClasses: checkInteger(where, 'numClasses', config.numClasses ?? defaults.numClasses, 1),
    dropout: checkNumber(where, 'dropout', config.dropout ?? defaults.dropout, 0, 1),
    kernelInitializer: checkOneOf(where, 'kernelInitializer', config.kernelInitializer ?? 'glorotUniform', KERNEL_INITIALIZERS),
    seed,
    classifierActivation: checkOneOf(where, 'classifierActivation', config.classifierActivation ?? 'softmax', ['softmax', 'linear'] as const),
  };
}

/** Throws, naming the minimum, if an input of `inputSize` would shrink to nothing inside `specs`. */
export function checkInputSize(where: string, specs: readonly LayerSpec[], inputSize: number, inChannels: number): void {
  const min = minInputSize(specs, inChannels);
  if (inputSize < min) {
    const collapsed = specShapes(specs, [inputSize, inputSize, inChannels]).find((l) => l.shape.some((d) => d < 1));
    throw new RangeError(
      `${where}: inputSize must be an integer >= ${min} (its strides and pooling shrink a smaller image to nothing${
        collapsed === undefined ? '' : ` at layer '${collapsed.name}'`
      }); received ${inputSize}`,
    );
  }
}
