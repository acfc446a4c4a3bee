/**
 * The pieces of one epoch that the loop in train.ts calls by name: its data (checked against a
 * mid-epoch checkpoint, advanced past the batches already trained), the read-back of the steps'
 * losses into the epoch's sums, the epoch's record, and stopping on abort with a checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import { emit } from './callbacks';
import type { Checkpointer, StartingPoint } from './checkpointer';
import { datasetForEpoch, type BatchDataset, type DatasetSource } from './data';
import { NonFiniteLossError, TrainingAbortedError } from './errors';
import type { EpochRecord, PartialEpoch, RunPosition, TrainCallbacks } from './types';

/** Mutable sums of the epoch in progress. */
export type EpochSums = { -readonly [K in keyof PartialEpoch]: PartialEpoch[K] };

/** The sums an epoch starts from: the checkpoint's when it resumes in its middle, else zeros. */
export function startingSums(partial: PartialEpoch | null): EpochSums {
  return partial !== null ? { ...partial } : { batches: 0, examples: 0, lossSum: 0, correct: 0, trainSeconds: 0, lr: 0 };
}

/** An epoch in progress, as the read-back and the record see it. */
export interface EpochProgress {
  readonly epoch: number;
  readonly sums: EpochSums;
  /** `batchesPerEpoch` if given, else the dataset's known size, else null. */
  readonly batchesPerEpoch: number | null;
  /** `performance.now()` when the epoch's training began in this session. */
  readonly startedAt: number;
}

/** Examples in a batch as the dataset yields it, before it is checked (0 when it has no `xs` tensor). */
function batchSizeOf(value: unknown): number {
  const xs = (value as { xs?: { shape?: readonly number[] } } | null)?.xs;
  return Array.isArray(xs?.shape) ? (xs.shape[0] ?? 0) : 0;
}

/**
 * The training data of `epoch` and its batch count (`batchLimit`, else the dataset's known size),
 * checked: an endless dataset needs `batchLimit`, and a mid-epoch checkpoint continues only on an
 * epoch of as many batches as it was taken in.
 */
export async function epochData(
  source: DatasetSource,
  epoch: number,
  batchLimit: number | null,
  resumedPartial: PartialEpoch | null,
  batch: number,
  start: StartingPoint,
): Promise<{ dataset: BatchDataset; batchesPerEpoch: number | null }> {
  const dataset = await datasetForEpoch('train', source, epoch);
  const known = Number.isFinite(dataset.size) && dataset.size > 0 ? dataset.size : null;
  if (batchLimit === null && dataset.size === Infinity) {
    throw new RangeError('the train dataset is endless (size Infinity): give batchesPerEpoch');
  }
  const batchesPerEpoch = batchLimit ?? known;
  if (resumedPartial?.epochBatches != null && batchesPerEpoch !== null && resumedPartial.epochBatches !== batchesPerEpoch) {
    throw new RangeError(
      `the checkpoint ${start.from?.path} was taken after batch ${batch} of an epoch of ${resumedPartial.epochBatches} batches, ` +
        `but the train dataset of epoch ${epoch} has ${batchesPerEpoch}: a mid-epoch checkpoint continues only on the same ` +
        'data in the same batch size',
    );
  }
  return { dataset, batchesPerEpoch };
}

/**
 * An iterator over the epoch's batches, advanced past the `batch` already trained. After a resume,
 * datasets whose order depends on how many iterators came before replay the skipped epochs' ones
 * first; the batches skipped must hold the examples the checkpoint counted.
 */
export async function iteratorFrom(
  dataset: BatchDataset,
  source: DatasetSource,
  epoch: number,
  batch: number,
  start: StartingPoint,
  resumedPartial: PartialEpoch | null,
): Promise<Awaited<ReturnType<BatchDataset['iterator']>>> {
  if (epoch === start.position.epoch && start.from !== null && typeof source !== 'function') {
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
  if (resumedPartial !== null && skippedExamples !== resumedPartial.examples) {
    throw new RangeError(
      `the checkpoint ${start.from?.path} was taken after ${resumedPartial.examples} examples (${batch} batches) of epoch ${epoch}, ` +
        `but ${batch} batches of this train dataset hold ${skippedExamples}: a mid-epoch checkpoint continues only ` +
        'in the same batch size',
    );
  }
  return iterator;
}

/** A step whose loss and accuracy are still on the device. */
export interface PendingStep {
  readonly batch: number;
  readonly step: number;
  readonly size: number;
  readonly lr: number;
  readonly loss: tf.Scalar;
  readonly correct: tf.Scalar;
}

/**
 * The steps whose loss and accuracy are still on the device, read back together with one
 * asynchronous `data()` call: checked for NaN, summed into the epoch's metrics and reported to
 * `onBatchEnd`.
 */
export class Readback {
  private pending: PendingStep[] = [];

  constructor(
    private readonly callbacks: readonly TrainCallbacks[],
    /** For the message of a NonFiniteLossError. */
    private readonly weightDecay: number,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  push(step: PendingStep): void {
    this.pending.push(step);
  }

  async flush(progress: EpochProgress): Promise<void> {
    if (this.pending.length === 0) return;
    const steps = this.pending;
    this.pending = [];
    const { epoch, sums, batchesPerEpoch, startedAt } = progress;
    const stacked = tf.tidy(() => tf.stack(steps.flatMap((s) => [s.loss, s.correct])));
    const values = await stacked.data();
    stacked.dispose();
    tf.dispose(steps.flatMap((s) => [s.loss, s.correct]));
    for (const [i, s] of steps.entries()) {
      const loss = values[2 * i];
      const correct = values[2 * i + 1];
      if (!Number.isFinite(loss)) throw new NonFiniteLossError({ epoch, batch: s.batch, step: s.step }, loss, s.lr, this.weightDecay);
      sums.batches += 1;
      sums.examples += s.size;
      sums.lossSum += loss * s.size;
      sums.correct += correct;
      sums.lr = s.lr;
      const trainSeconds = sums.trainSeconds + (performance.now() - startedAt) / 1000;
      await emit(this.callbacks, 'onBatchEnd', s.batch, {
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
  }

  /** Frees what was never read back (a run that ends with an error). */
  dispose(): void {
    tf.dispose(this.pending.flatMap((s) => [s.loss, s.correct]));
    this.pending = [];
  }
}

/** The record of a finished epoch: its sums, the test result, and the time its evaluation took. */
export function epochRecord(
  progress: EpochProgress,
  step: number,
  test: { loss: number; accuracy: number } | undefined,
  evalSeconds: number,
): EpochRecord {
  const { epoch, sums } = progress;
  return {
    epoch,
    loss: sums.lossSum / sums.examples,
    trainAcc: sums.correct / sums.examples,
    testLoss: test?.loss ?? null,
    testAcc: test?.accuracy ?? null,
    lr: sums.lr,
    examples: sums.examples,
    batches: sums.batches,
    step,
    seconds: sums.trainSeconds + evalSeconds,
    examplesPerSec: sums.examples / sums.trainSeconds,
    numTensors: tf.memory().numTensors,
  };
}

/**
 * Stops the run at `at`: writes a checkpoint there (mid-epoch with the epoch's sums) and throws
 * TrainingAbortedError with the history so far.
 */
export async function stopAt(
  at: RunPosition,
  progress: Pick<EpochProgress, 'sums' | 'batchesPerEpoch'>,
  history: readonly EpochRecord[],
  checkpointer: Checkpointer,
  reason: unknown,
): Promise<never> {
  const sums = at.batch === 0 ? null : { ...progress.sums, epochBatches: progress.batchesPerEpoch };
  throw new TrainingAbortedError(at, [...history], await checkpointer.save(at, sums, history), reason);
}
