/** The options of `train`, checked and resolved into what the loop reads and the config it records. */
import * as tf from '@tensorflow/tfjs';
import { callbackList } from './callbacks';
import type { CheckpointFiles } from './checkpointer';
import { checkDatasetSource, type DatasetSource } from './data';
import { architectureFingerprint, type ArchitectureFingerprint } from './fingerprint';
import { classifierHead, type ClassifierHead, type LossFrom, PROBABILITY_EPSILON } from './loss';
import { type OptimizerOptions, type ResolvedOptimizerConfig, resolveOptimizerOptions } from './optimizers';
import type { DataParallel } from './parallel';
import type { LrSchedule } from './schedules';
import { STEP_RNG_ALGORITHM } from './seeded-random';
import { trainableVariables } from './step';
import type { ResolvedTrainConfig, TrainCallbacks } from './types';

/** Options of {@link train}. */
export interface TrainOptions {
  /** Training batches `{ xs, ys }` (ys one-hot): a tf.data dataset or `(epoch) => dataset`; see `DatasetSource`. No default. */
  train: DatasetSource;
  /** Data evaluated after each epoch for `testLoss`/`testAcc`. Default: none (both null). */
  test?: DatasetSource;
  /** Number of epochs of the whole run (a resumed run counts the epochs done before). No default. */
  epochs: number;
  /** Optimizer, learning rate (or schedule) and weight decay. No default. */
  optimizer: OptimizerOptions;
  /** TF.js-style callbacks, one object or several (called in order). Default: none. */
  callbacks?: TrainCallbacks | readonly TrainCallbacks[];
  /** Seed of the per-step RNG that dropout and other unseeded random ops draw from; an integer in [0, 2^32). Default 0. */
  seed?: number;
  /**
   * Batches per epoch. When given, each epoch stops after this many batches (so a repeated,
   * endless dataset works) and a dataset that ends sooner is an error. Default: run each epoch
   * until the dataset ends; progress events then report the dataset's `size` if it is known.
   */
  batchesPerEpoch?: number;
  /** Read losses back every this many batches (see the module comment). Default 1. */
  readbackEvery?: number;
  /**
   * What the cross-entropy is computed from: `'auto'` uses the logits in front of a softmax output
   * layer (log-softmax, stable), `'logits'` insists on that, `'probabilities'` clips the model's
   * output to [1e-7, 1 − 1e-7] as Keras does. Default `'auto'`.
   */
  lossFrom?: LossFrom;
  /** Directory for checkpoints, written after every epoch and on abort. Default: none. */
  checkpointDir?: string;
  /** How many complete checkpoints to keep in `checkpointDir`. Default 1. */
  keepCheckpoints?: number;
  /** Continue from the latest checkpoint in `checkpointDir` (an error when there is none). Default false. */
  resume?: boolean;
  /** Continue from this checkpoint (a checkpointDir or one checkpoint directory); implies resume. Default: none. */
  resumeFrom?: string;
  /** Aborting it stops training at the next batch boundary, writes a checkpoint and rejects with TrainingAbortedError. Default: none. */
  signal?: AbortSignal;
  /**
   * Replicas that train each step together on slices of the batch (in Node: `startDataParallel`
   * from `@zoo/trainer/node`). This thread stays replica 0: its model and optimizer are the run's,
   * and its checkpoints. The update is the one of the whole batch (the replicas' gradients averaged,
   * weighted by their slices); dropout masks and the summation order differ from a single thread's.
   * Default: none (this thread alone).
   */
  dataParallel?: DataParallel;
}

/** The largest `seed` the trainer takes: its step RNG is seeded with a 32-bit unsigned integer. */
export const MAX_SEED = 0xffffffff;

const OPTION_KEYS: readonly (keyof TrainOptions)[] = [
  'train',
  'test',
  'epochs',
  'optimizer',
  'callbacks',
  'seed',
  'batchesPerEpoch',
  'readbackEvery',
  'lossFrom',
  'checkpointDir',
  'keepCheckpoints',
  'resume',
  'resumeFrom',
  'signal',
  'dataParallel',
];

function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function checkModel(model: unknown): asserts model is tf.LayersModel {
  const m = model as Partial<tf.LayersModel> | null;
  if (
    typeof m !== 'object' ||
    m === null ||
    typeof m.apply !== 'function' ||
    !Array.isArray(m.layers) ||
    !Array.isArray(m.inputs)
  ) {
    throw new TypeError(`model must be a tf.LayersModel (tf.sequential or tf.model), got ${String(model)}`);
  }
}

/** A run's options after every check: what the loop reads, and the config it records. */
export interface Run {
  readonly epochs: number;
  readonly seed: number;
  /** `batchesPerEpoch`, or null: each epoch runs until the dataset ends. */
  readonly batchLimit: number | null;
  readonly readbackEvery: number;
  readonly keepCheckpoints: number;
  readonly optimizer: ResolvedOptimizerConfig;
  readonly lr: number | LrSchedule;
  readonly callbacks: readonly TrainCallbacks[];
  readonly checkpointDir: string | null;
  /** Where checkpoints are read and written; undefined when the run uses none. */
  readonly checkpoints: CheckpointFiles | undefined;
  readonly signal: AbortSignal | undefined;
  readonly dataParallel: DataParallel | undefined;
  readonly lossFrom: LossFrom;
  readonly head: ClassifierHead;
  readonly trainable: tf.Variable[];
  readonly inputShape: tf.Shape;
  readonly fingerprint: ArchitectureFingerprint;
  /** The resolved config, `resumedFrom` still null. */
  readonly config: ResolvedTrainConfig;
}

/**
 * Checks `model` and every option (an error names the option and echoes what it got), and resolves
 * the defaults. `files` stores checkpoints; null where there is no file system.
 */
export async function resolveRun(files: CheckpointFiles | null, model: tf.LayersModel, options: TrainOptions): Promise<Run> {
  checkModel(model);
  if (options === null || typeof options !== 'object')
    throw new TypeError(`options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key as keyof TrainOptions)) {
      throw new RangeError(`unknown option ${JSON.stringify(key)}; the options are ${OPTION_KEYS.join(', ')}`);
    }
  }
  checkDatasetSource('train', options.train);
  if (options.test !== undefined) checkDatasetSource('test', options.test);
  const epochs = checkInteger('epochs', options.epochs, 1);
  const seed = checkInteger('seed', options.seed ?? 0, 0, MAX_SEED);
  const batchLimit =
    options.batchesPerEpoch === undefined ? null : checkInteger('batchesPerEpoch', options.batchesPerEpoch, 1);
  const readbackEvery = checkInteger('readbackEvery', options.readbackEvery ?? 1, 1);
  const keepCheckpoints = checkInteger('keepCheckpoints', options.keepCheckpoints ?? 1, 1);
  const optimizerConfig = resolveOptimizerOptions(options.optimizer);
  const lrOption = options.optimizer.lr;
  const callbacks = callbackList(options.callbacks);
  const checkpointDir = options.checkpointDir ?? null;
  if (checkpointDir !== null && (typeof checkpointDir !== 'string' || checkpointDir === '')) {
    throw new TypeError(`checkpointDir must be a non-empty path, got ${String(checkpointDir)}`);
  }
  if (options.resume === true && checkpointDir === null && options.resumeFrom === undefined) {
    throw new RangeError('resume: true needs checkpointDir (or resumeFrom) to say where the checkpoint is');
  }
  const checkpoints = checkpointDir !== null || options.resumeFrom !== undefined ? files : undefined;
  if (checkpoints === null) {
    throw new RangeError(
      `${checkpointDir !== null ? 'checkpointDir' : 'resumeFrom'}: checkpoints are files, and this build of @zoo/trainer ` +
        "has no file system (a browser); in Node, @zoo/trainer's node build (or @zoo/trainer/node) writes them",
    );
  }
  const signal = options.signal;
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean')) {
    throw new TypeError(`signal must be an AbortSignal, got ${String(signal)}`);
  }
  const dataParallel = options.dataParallel;
  if (
    dataParallel !== undefined &&
    (typeof dataParallel !== 'object' || dataParallel === null || typeof dataParallel.attach !== 'function' || !Number.isInteger(dataParallel.replicas))
  ) {
    throw new TypeError(`dataParallel must be a group from startDataParallel (@zoo/trainer/node), got ${String(dataParallel)}`);
  }
  const lossFrom = options.lossFrom ?? 'auto';
  const head = classifierHead(model, lossFrom);
  const trainable = trainableVariables(model);
  const inputShape = model.inputs[0].shape;
  const fingerprint = await architectureFingerprint(model);

  const config: ResolvedTrainConfig = {
    epochs,
    seed,
    optimizer: optimizerConfig,
    loss: {
      name: 'categorical-cross-entropy',
      reduction: 'mean',
      source: head.source,
      epsilon: head.source === 'clipped-probabilities' ? PROBABILITY_EPSILON : null,
      regularizationLosses: model.layers.some((l) => l.losses.length > 0),
    },
    batchesPerEpoch: batchLimit,
    readbackEvery,
    checkpointDir,
    keepCheckpoints,
    resumedFrom: null,
    data: {
      train: typeof options.train === 'function' ? 'function' : 'dataset',
      test: options.test === undefined ? null : typeof options.test === 'function' ? 'function' : 'dataset',
    },
    model: {
      name: model.name,
      fingerprint: fingerprint.hash,
      params: model.countParams(),
      trainableParams: trainable.reduce((n, v) => n + v.size, 0),
    },
    rng: STEP_RNG_ALGORITHM,
    replicas: dataParallel?.replicas ?? 1,
    backend: tf.getBackend(),
    tfjsVersion: tf.version.tfjs,
  };
  return {
    epochs,
    seed,
    batchLimit,
    readbackEvery,
    keepCheckpoints,
    optimizer: optimizerConfig,
    lr: lrOption,
    callbacks,
    checkpointDir,
    checkpoints,
    signal,
    dataParallel,
    lossFrom,
    head,
    trainable,
    inputShape,
    fingerprint,
    config,
  };
}

/** The learning rate of `step`: the number, or what the schedule says, which must be a finite number >= 0. */
export function learningRateAt(lr: number | LrSchedule, step: number): number {
  const value = typeof lr === 'number' ? lr : lr(step);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`optimizer.lr(${step}) must return a finite number >= 0, got ${String(value)}`);
  }
  return value;
}
