/**
 * The training loop of D2L's `train_ch6`, written out so that everything model.fit hides is under
 * control: learning-rate schedules, weight decay, NaN checks, checkpoints, resume and abort.
 *
 * Per step: forward in training mode, mean cross-entropy over the batch (plus any layer
 * regularizers), gradients with tf.variableGrads, one optimizer update. Loss and accuracy of a step
 * stay on the device as two scalars; every `readbackEvery` steps they are read back together with
 * one asynchronous `data()` call, checked for NaN, summed into the epoch's metrics and reported to
 * `onBatchEnd`. With `readbackEvery: 1` (the default) that is one small async read per batch, as
 * model.fit does; a larger value lets a GPU backend queue k steps without waiting for the host.
 */
import * as tf from '@tensorflow/tfjs';
import type * as checkpointFiles from './node/checkpoint';
import type { LoadedCheckpoint } from './node/checkpoint';
import { checkBatch, checkDatasetSource, datasetForEpoch, type DatasetSource, yieldToEventLoop } from './data';
import { CheckpointError, NonFiniteLossError, TrainingAbortedError } from './errors';
import { runEvaluation } from './evaluate';
import { architectureFingerprint, fingerprintDifference } from './fingerprint';
import { classifierHead, type LossFrom, PROBABILITY_EPSILON } from './loss';
import { createOptimizer, type OptimizerOptions, resolveOptimizerOptions } from './optimizers';
import { STEP_RNG_ALGORITHM } from './seeded-random';
import { trainableVariables, trainingStep } from './step';
import type { EpochRecord, PartialEpoch, ResolvedTrainConfig, RunPosition, TrainCallbacks, TrainResult } from './types';

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
];
const CALLBACK_NAMES = [
  'onTrainBegin',
  'onTrainEnd',
  'onEpochBegin',
  'onEpochEnd',
  'onBatchBegin',
  'onBatchEnd',
] as const;

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

function callbackList(callbacks: TrainOptions['callbacks']): readonly TrainCallbacks[] {
  const list = callbacks === undefined ? [] : Array.isArray(callbacks) ? callbacks : [callbacks as TrainCallbacks];
  list.forEach((cb, i) => {
    if (typeof cb !== 'object' || cb === null)
      throw new TypeError(`callbacks[${i}] must be an object, got ${String(cb)}`);
    for (const name of CALLBACK_NAMES) {
      if (cb[name] !== undefined && typeof cb[name] !== 'function') {
        throw new TypeError(`callbacks[${i}].${name} must be a function, got ${typeof cb[name]}`);
      }
    }
  });
  return list;
}

async function emit<K extends (typeof CALLBACK_NAMES)[number]>(
  callbacks: readonly TrainCallbacks[],
  name: K,
  ...args: Parameters<NonNullable<TrainCallbacks[K]>>
): Promise<void> {
  for (const cb of callbacks) {
    const fn = cb[name] as ((...a: typeof args) => void | Promise<void>) | undefined;
    if (fn !== undefined) await fn.apply(cb, args);
  }
}

/** Examples in a batch as the dataset yields it, before it is checked (0 when it has no `xs` tensor). */
function batchSizeOf(value: unknown): number {
  const xs = (value as { xs?: { shape?: readonly number[] } } | null)?.xs;
  return Array.isArray(xs?.shape) ? (xs.shape[0] ?? 0) : 0;
}

/** Mutable sums of the epoch in progress. */
type EpochSums = { -readonly [K in keyof PartialEpoch]: PartialEpoch[K] };

/** A step whose loss and accuracy are still on the device. */
interface PendingStep {
  readonly batch: number;
  readonly step: number;
  readonly size: number;
  readonly lr: number;
  readonly loss: tf.Scalar;
  readonly correct: tf.Scalar;
}

/**
 * Trains `model` and returns the per-epoch history with the resolved config. The model is changed
 * in place. Exact reproducibility (same seed, same initial weights, same data → same history and
 * weights; a resumed run equals an uninterrupted one) holds on the cpu backend, dropout included;
 * see the package README for what holds elsewhere.
 */
export async function train(model: tf.LayersModel, options: TrainOptions): Promise<TrainResult> {
  return trainWith(null, model, options);
}

/**
 * What {@link trainWith} needs to read and write checkpoints. Only the Node build has it (files);
 * the browser build passes null, so its main entry never imports node:fs.
 */
export type CheckpointFiles = Pick<
  typeof checkpointFiles,
  'latestCheckpoint' | 'loadCheckpoint' | 'removeIncompleteCheckpoints' | 'restoreCheckpoint' | 'saveCheckpoint'
>;

/** {@link train}, with checkpoints stored by `files`; `null` where there is no file system. */
export async function trainWith(files: CheckpointFiles | null, model: tf.LayersModel, options: TrainOptions): Promise<TrainResult> {
  // ---- check and resolve the options ----
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
  const head = classifierHead(model, options.lossFrom ?? 'auto');
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
    backend: tf.getBackend(),
    tfjsVersion: tf.version.tfjs,
  };

  const lrAt = (step: number): number => {
    const lr = typeof lrOption === 'number' ? lrOption : lrOption(step);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new RangeError(`optimizer.lr(${step}) must return a finite number >= 0, got ${String(lr)}`);
    }
    return lr;
  };

  // ---- state: fresh, or from a checkpoint ----
  const optimizer = createOptimizer(optimizerConfig, 0);
  let pending: PendingStep[] = [];
  try {
    // Where this run starts: the beginning, or the checkpoint's position.
    let start: RunPosition = { epoch: 0, batch: 0, step: 0 };
    let partial: PartialEpoch | null = null;
    const history: EpochRecord[] = [];
    let resumedFrom: LoadedCheckpoint | null = null;
    const resumeSource = options.resumeFrom ?? (options.resume === true ? checkpointDir : null);
    // What a crashed run left half-written goes first, so that it never blocks a resume.
    if (checkpointDir !== null) await checkpoints!.removeIncompleteCheckpoints(checkpointDir);
    if (resumeSource !== null) {
      resumedFrom = await checkpoints!.loadCheckpoint(resumeSource);
      const m = resumedFrom.manifest;
      if (m.rng.step !== m.position.step || m.position.batch > 0 !== (m.partialEpoch !== null)) {
        throw new CheckpointError(
          resumedFrom.path,
          `position ${JSON.stringify(m.position)}, rng step ${m.rng.step} and partial epoch ` +
            `${JSON.stringify(m.partialEpoch)} do not agree: the manifest is corrupt`,
        );
      }
      // The architecture first: another model's checkpoint differs in the seed too, but that is not the news.
      const difference = fingerprintDifference(m.fingerprint, fingerprint);
      if (difference !== null) {
        throw new CheckpointError(resumedFrom.path, `was written for another model architecture: ${difference}`);
      }
      if (m.rng.seed !== seed) {
        throw new RangeError(
          `seed is ${seed} but the checkpoint ${resumedFrom.path} was trained with seed ${m.rng.seed}; resume with the same seed`,
        );
      }
      if (m.position.epoch > epochs) {
        throw new RangeError(
          `epochs is ${epochs} but the checkpoint ${resumedFrom.path} is already at epoch ${m.position.epoch}`,
        );
      }
      await checkpoints!.restoreCheckpoint(resumedFrom, model, optimizer, optimizerConfig.name, trainable);
      start = m.position;
      partial = m.partialEpoch;
      history.push(...m.history);
    } else if (checkpointDir !== null) {
      const existing = await checkpoints!.latestCheckpoint(checkpointDir);
      if (existing !== null) {
        throw new RangeError(
          `checkpointDir ${checkpointDir} already holds a checkpoint (${existing.path}, epoch ${existing.position.epoch}); ` +
            'pass resume: true to continue it, or use an empty directory',
        );
      }
    }
    const runConfig: ResolvedTrainConfig = { ...config, resumedFrom: resumedFrom?.path ?? null };
    let lastSaved = resumedFrom === null ? null : { position: start, path: resumedFrom.path };

    const save = async (at: RunPosition, sums: PartialEpoch | null): Promise<string | null> => {
      if (checkpointDir === null) return null;
      const same = lastSaved !== null && lastSaved.position.epoch === at.epoch && lastSaved.position.batch === at.batch;
      if (!same) {
        const state = {
          position: at,
          rng: { algorithm: STEP_RNG_ALGORITHM, seed, step: at.step },
          partialEpoch: sums,
          history: [...history],
          config: runConfig,
        };
        const p = await checkpoints!.saveCheckpoint(checkpointDir, model, optimizer, optimizerConfig.name, state, keepCheckpoints);
        lastSaved = { position: at, path: p };
      }
      return lastSaved?.path ?? null;
    };

    const trainStep = trainingStep({ model, head, trainable, optimizer, seed });

    await emit(callbacks, 'onTrainBegin', {
      config: runConfig,
      startEpoch: start.epoch,
      startBatch: start.batch,
      startStep: start.step,
    });

    // ---- the loop ----
    let step = start.step;
    for (let epoch = start.epoch; epoch < epochs; epoch++) {
      const resuming = epoch === start.epoch && start.batch > 0;
      const sums: EpochSums =
        resuming && partial !== null
          ? { ...partial }
          : { batches: 0, examples: 0, lossSum: 0, correct: 0, trainSeconds: 0, lr: 0 };
      let batch = resuming ? start.batch : 0;
      let batchesPerEpoch: number | null = null;
      const stop = async (): Promise<never> => {
        const at = { epoch, batch, step };
        throw new TrainingAbortedError(
          at,
          [...history],
          await save(at, batch === 0 ? null : { ...sums, epochBatches: batchesPerEpoch }),
          signal?.reason,
        );
      };
      if (signal?.aborted) await stop();

      const dataset = await datasetForEpoch('train', options.train, epoch);
      const known = Number.isFinite(dataset.size) && dataset.size > 0 ? dataset.size : null;
      if (batchLimit === null && dataset.size === Infinity) {
        throw new RangeError('the train dataset is endless (size Infinity): give batchesPerEpoch');
      }
      batchesPerEpoch = batchLimit ?? known;
      if (resuming && partial?.epochBatches != null && batchesPerEpoch !== null && partial.epochBatches !== batchesPerEpoch) {
        throw new RangeError(
          `the checkpoint ${resumedFrom?.path} was taken after batch ${batch} of an epoch of ${partial.epochBatches} batches, ` +
            `but the train dataset of epoch ${epoch} has ${batchesPerEpoch}: a mid-epoch checkpoint continues only on the same ` +
            'data in the same batch size',
        );
      }
      await emit(callbacks, 'onEpochBegin', epoch, { epoch, batchesPerEpoch, step });
      const epochStart = performance.now();

      // Datasets whose order depends on how many iterators came before replay the skipped epochs' ones.
      if (epoch === start.epoch && resumedFrom !== null && typeof options.train !== 'function') {
        for (let e = 0; e < epoch; e++) await dataset.iterator();
      }
      const iterator = await dataset.iterator();
      let skippedExamples = 0;
      for (let b = 0; b < batch; b++) {
        const skipped = await iterator.next();
        if (skipped.done) {
          throw new RangeError(
            `the train dataset of epoch ${epoch} ended after ${b} batches, but the checkpoint is after batch ${batch}: ` +
              'the data is not the same as in the interrupted run',
          );
        }
        skippedExamples += batchSizeOf(skipped.value);
        tf.dispose(skipped.value);
      }
      if (resuming && partial !== null && skippedExamples !== partial.examples) {
        throw new RangeError(
          `the checkpoint ${resumedFrom?.path} was taken after ${partial.examples} examples (${batch} batches) of epoch ${epoch}, ` +
            `but ${batch} batches of this train dataset hold ${skippedExamples}: a mid-epoch checkpoint continues only ` +
            'in the same batch size',
        );
      }

      const flush = async (): Promise<void> => {
        if (pending.length === 0) return;
        const steps = pending;
        pending = [];
        const stacked = tf.tidy(() => tf.stack(steps.flatMap((s) => [s.loss, s.correct])));
        const values = await stacked.data();
        stacked.dispose();
        tf.dispose(steps.flatMap((s) => [s.loss, s.correct]));
        for (const [i, s] of steps.entries()) {
          const loss = values[2 * i];
          const correct = values[2 * i + 1];
          if (!Number.isFinite(loss)) throw new NonFiniteLossError({ epoch, batch: s.batch, step: s.step }, loss, s.lr, optimizerConfig.weightDecay);
          sums.batches += 1;
          sums.examples += s.size;
          sums.lossSum += loss * s.size;
          sums.correct += correct;
          sums.lr = s.lr;
          const trainSeconds = sums.trainSeconds + (performance.now() - epochStart) / 1000;
          await emit(callbacks, 'onBatchEnd', s.batch, {
            epoch,
            batch: s.batch,
            step: s.step,
            size: s.size,
            lr: s.lr,
            batchesPerEpoch,
            loss,
            acc: correct / s.size,
            examplesSeen: sums.examples,
            runningLoss: sums.lossSum / sums.examples,
            runningAcc: sums.correct / sums.examples,
            examplesPerSec: sums.examples / trainSeconds,
          });
        }
      };

      while (batchLimit === null || batch < batchLimit) {
        if (signal?.aborted) {
          await flush();
          sums.trainSeconds += (performance.now() - epochStart) / 1000;
          await stop();
        }
        const next = await iterator.next();
        if (next.done) break;
        try {
          const { xs, ys } = checkBatch(
            next.value,
            `train dataset, epoch ${epoch}, batch ${batch}`,
            inputShape,
            head.numClasses,
          );
          const lr = lrAt(step);
          const size = xs.shape[0];
          await emit(callbacks, 'onBatchBegin', batch, { epoch, batch, step, size, lr });
          const [loss, correct] = trainStep(xs, ys, lr, step);
          pending.push({ batch, step, size, lr, loss, correct });
        } finally {
          tf.dispose(next.value);
        }
        batch += 1;
        step += 1;
        if (pending.length >= readbackEvery) await flush();
        await yieldToEventLoop();
      }
      await flush();
      sums.trainSeconds += (performance.now() - epochStart) / 1000;
      if (batchLimit !== null && batch < batchLimit) {
        throw new RangeError(
          `the train dataset of epoch ${epoch} ended after ${batch} batches, but batchesPerEpoch is ${batchLimit}`,
        );
      }
      if (sums.examples === 0) throw new RangeError(`the train dataset of epoch ${epoch} yielded no batches`);

      const evalStart = performance.now();
      const test =
        options.test === undefined
          ? undefined
          : await runEvaluation(model, head, 'test dataset', options.test, epoch, signal);
      if (test === null) await stop();
      const record: EpochRecord = {
        epoch,
        loss: sums.lossSum / sums.examples,
        trainAcc: sums.correct / sums.examples,
        testLoss: test?.loss ?? null,
        testAcc: test?.accuracy ?? null,
        lr: sums.lr,
        examples: sums.examples,
        batches: sums.batches,
        step,
        seconds: sums.trainSeconds + (performance.now() - evalStart) / 1000,
        examplesPerSec: sums.examples / sums.trainSeconds,
        numTensors: tf.memory().numTensors,
      };
      history.push(record);
      await save({ epoch: epoch + 1, batch: 0, step }, null);
      await emit(callbacks, 'onEpochEnd', epoch, record);
    }

    const result: TrainResult = { history, config: runConfig, checkpointPath: lastSaved?.path ?? null };
    await emit(callbacks, 'onTrainEnd', result);
    return result;
  } finally {
    tf.dispose(pending.flatMap((s) => [s.loss, s.correct]));
    optimizer.dispose();
  }
}
