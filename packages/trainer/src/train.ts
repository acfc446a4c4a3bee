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
import { emit } from './callbacks';
import { Checkpointer, type CheckpointFiles, startingPoint } from './checkpointer';
import { checkBatch, yieldToEventLoop } from './data';
import { epochData, epochRecord, type EpochProgress, iteratorFrom, Readback, startingSums, stopAt } from './epoch';
import { runEvaluation } from './evaluate';
import { learningRateAt, resolveRun, type TrainOptions } from './options';
import { createOptimizer } from './optimizers';
import { trainingStep } from './step';
import type { EpochRecord, ResolvedTrainConfig, TrainResult } from './types';

export { MAX_SEED, type TrainOptions } from './options';
export type { CheckpointFiles } from './checkpointer';

/**
 * Trains `model` and returns the per-epoch history with the resolved config. The model is changed
 * in place. Exact reproducibility (same seed, same initial weights, same data → same history and
 * weights; a resumed run equals an uninterrupted one) holds on the cpu backend, dropout included;
 * see the package README for what holds elsewhere.
 */
export async function train(model: tf.LayersModel, options: TrainOptions): Promise<TrainResult> {
  return trainWith(null, model, options);
}

/** {@link train}, with checkpoints stored by `files`; `null` where there is no file system. */
export async function trainWith(files: CheckpointFiles | null, model: tf.LayersModel, options: TrainOptions): Promise<TrainResult> {
  const run = await resolveRun(files, model, options);
  const { callbacks, signal, batchLimit } = run;
  const optimizer = createOptimizer(run.optimizer, 0);
  const readback = new Readback(callbacks, run.optimizer.weightDecay);
  try {
    // ---- where this run starts: the beginning, or a checkpoint's position ----
    const start = await startingPoint(run, options, model, optimizer);
    const history: EpochRecord[] = [...start.history];
    const config: ResolvedTrainConfig = { ...run.config, resumedFrom: start.from?.path ?? null };
    const checkpointer = new Checkpointer(run, model, optimizer, config, start);
    const parts = { model, head: run.head, trainable: run.trainable, optimizer, seed: run.seed };
    // With replicas, the step waits for the other threads; they get the model as it starts (a resume included).
    const trainStep =
      run.dataParallel === undefined ? trainingStep(parts) : await run.dataParallel.attach(parts, { lossFrom: run.lossFrom, optimizer: run.optimizer });
    await emit(callbacks, 'onTrainBegin', { config, startEpoch: start.position.epoch, startBatch: start.position.batch, startStep: start.position.step });

    // ---- the loop ----
    let step = start.position.step;
    for (let epoch = start.position.epoch; epoch < run.epochs; epoch++) {
      const resumed = epoch === start.position.epoch && start.position.batch > 0 ? start.partial : null;
      const sums = startingSums(resumed);
      let batch = epoch === start.position.epoch && start.position.batch > 0 ? start.position.batch : 0;
      if (signal?.aborted) await stopAt({ epoch, batch, step }, { sums, batchesPerEpoch: null }, history, checkpointer, signal.reason);

      const { dataset, batchesPerEpoch } = await epochData(options.train, epoch, batchLimit, resumed, batch, start);
      await emit(callbacks, 'onEpochBegin', epoch, { epoch, batchesPerEpoch, step });
      const progress: EpochProgress = { epoch, sums, batchesPerEpoch, startedAt: performance.now() };
      const iterator = await iteratorFrom(dataset, options.train, epoch, batch, start, resumed);

      while (batchLimit === null || batch < batchLimit) {
        if (signal?.aborted) {
          await readback.flush(progress);
          sums.trainSeconds += (performance.now() - progress.startedAt) / 1000;
          await stopAt({ epoch, batch, step }, progress, history, checkpointer, signal.reason);
        }
        const next = await iterator.next();
        if (next.done) break;
        try {
          const { xs, ys } = checkBatch(next.value, `train dataset, epoch ${epoch}, batch ${batch}`, run.inputShape, run.head.numClasses);
          const lr = learningRateAt(run.lr, step);
          const size = xs.shape[0];
          await emit(callbacks, 'onBatchBegin', batch, { epoch, batch, step, size, lr });
          const [loss, correct] = await trainStep(xs, ys, lr, step);
          readback.push({ batch, step, size, lr, loss, correct });
        } finally {
          tf.dispose(next.value);
        }
        batch += 1;
        step += 1;
        if (readback.size >= run.readbackEvery) await readback.flush(progress);
        await yieldToEventLoop();
      }
      await readback.flush(progress);
      sums.trainSeconds += (performance.now() - progress.startedAt) / 1000;
      if (batchLimit !== null && batch < batchLimit) {
        throw new RangeError(`the train dataset of epoch ${epoch} ended after ${batch} batches, but batchesPerEpoch is ${batchLimit}`);
      }
      if (sums.examples === 0) throw new RangeError(`the train dataset of epoch ${epoch} yielded no batches`);

      // ---- evaluate, record, checkpoint ----
      const evalStart = performance.now();
      const test = options.test === undefined ? undefined : await runEvaluation(model, run.head, 'test dataset', options.test, epoch, signal);
      if (test === null) await stopAt({ epoch, batch, step }, progress, history, checkpointer, signal?.reason);
      const record = epochRecord(progress, step, test ?? undefined, (performance.now() - evalStart) / 1000);
      history.push(record);
      await checkpointer.save({ epoch: epoch + 1, batch: 0, step }, null, history);
      await emit(callbacks, 'onEpochEnd', epoch, record);
    }

    const result: TrainResult = { history, config, checkpointPath: checkpointer.lastPath };
    await emit(callbacks, 'onTrainEnd', result);
    return result;
  } finally {
    readback.dispose();
    optimizer.dispose();
  }
}
