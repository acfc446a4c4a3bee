/**
 * Replica 0's side of data-parallel training: it starts the workers, hands them its model when
 * `train` attaches, and in every step sends each its slice of the batch, does its own part, and
 * meets them at the step's barrier.
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { sliceSizes, type AsyncTrainingStep, type DataParallel, type ReplicaRecipe } from '../../parallel';
import type { TrainingStepParts } from '../../step';
import { messageOf, type FromReplica, type ReplicaInit, type TensorData, type ToReplica } from './protocol';
import { ReplicaStep } from './replica';
import { abortGroup, barrierAsync, groupAborted, GroupAbortedError, sharedControl, sharedStep } from './shared';

/**
 * Node flags for a process whose training runs as replicas: V8's concurrent and parallel GC work on
 * helper threads, and with every core busy with a replica such a thread takes one replica's core;
 * at the barrier every replica then waits for it. Measured on 2 cores (docs/performance.md,
 * "Data-parallel training"): alexnet-mini's replicated step 49.5–56.8 ms median against
 * 55.5–74.8 ms without, in 4 of 4 alternated runs; LeNet's about even. V8 reads them only when a
 * process starts, so they go to the child process a caller forks to train in.
 */
export const DATA_PARALLEL_EXEC_ARGV: readonly string[] = ['--single-threaded-gc'];

/**
 * The Node flags to fork a process with that trains with `replicas` replicas: `base` (by default
 * this process's), plus {@link DATA_PARALLEL_EXEC_ARGV} when there is more than one.
 */
export function dataParallelExecArgv(replicas: number, base: readonly string[] = process.execArgv): string[] {
  return replicas > 1 ? [...base, ...DATA_PARALLEL_EXEC_ARGV] : [...base];
}

/** Options of {@link startDataParallel}. */
export interface DataParallelOptions {
  /** Replicas, this thread included: an integer ≥ 2. */
  replicas: number;
  /** The worker script: a module that calls `serveReplica(setup)` (see its doc). */
  workerUrl: URL | string;
  /** Passed to each worker's setup function (structured-cloned). Default: undefined. */
  setupData?: unknown;
}

/** A started group: give it to `train` as `dataParallel`, and close it when training is over. */
export interface DataParallelGroup extends DataParallel {
  /** Stops the workers. Safe to call more than once. */
  close(): Promise<void>;
}

/** One worker and the next reply it owes. */
class Remote {
  private waiting: { resolve: () => void; reject: (e: Error) => void } | null = null;
  /** Why this worker can no longer take part, once it cannot. */
  failure: Error | null = null;

  constructor(
    readonly worker: Worker,
    readonly rank: number,
    onFailure: (e: Error) => void,
  ) {
    const fail = (e: Error): void => {
      if (this.failure !== null) return;
      this.failure = e;
      onFailure(e);
      this.waiting?.reject(e);
      this.waiting = null;
    };
    worker.on('message', (m: FromReplica) => {
      if (m.type === 'error') fail(new Error(`data-parallel replica ${rank}: ${m.message}`));
      else {
        this.waiting?.resolve();
        this.waiting = null;
      }
    });
    worker.on('error', (err) => fail(new Error(`data-parallel replica ${rank} crashed: ${messageOf(err)}`)));
    worker.on('exit', (code) => fail(new Error(`data-parallel replica ${rank} exited (code ${code})`)));
  }

  /** The next reply ('ready', 'attached'), after `message` if one is given. */
  expect(message?: ToReplica, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const reply = new Promise<void>((resolve, reject) => (this.waiting = { resolve, reject }));
    if (message !== undefined) this.worker.postMessage(message, transfer);
    return reply;
  }

  send(message: ToReplica, transfer: ArrayBuffer[]): void {
    if (this.failure !== null) throw this.failure;
    this.worker.postMessage(message, transfer);
  }
}

function copyOf(t: tf.Tensor): TensorData {
  const values = t.dataSync();
  return {
    // A copy: some backends hand out their own storage, and the copy is transferred away.
    values: values.slice() as TensorData['values'],
    shape: [...t.shape],
    dtype: t.dtype as TensorData['dtype'],
  };
}

/** Rows [start, start + n) of a batch whose values are `all`, as a transferable copy. */
function rows(all: TensorData['values'], shape: readonly number[], dtype: TensorData['dtype'], start: number, n: number): TensorData | null {
  if (n === 0) return null;
  const per = shape.slice(1).reduce((a, b) => a * b, 1);
  return { values: all.slice(start * per, (start + n) * per), shape: [n, ...shape.slice(1)], dtype };
}

/**
 * Starts `replicas − 1` worker threads, each running `workerUrl`, and waits until every one has
 * run its setup. This thread is replica 0.
 */
export async function startDataParallel(options: DataParallelOptions): Promise<DataParallelGroup> {
  const { replicas, workerUrl } = options;
  if (!Number.isInteger(replicas) || replicas < 2) {
    throw new RangeError(`dataParallel replicas must be an integer ≥ 2 (this thread and at least one worker), got ${String(replicas)}`);
  }
  const control = sharedControl();
  let firstFailure: Error | null = null;
  const onFailure = (e: Error): void => {
    firstFailure ??= e;
    abortGroup(control);
  };
  const remotes: Remote[] = [];
  for (let rank = 1; rank < replicas; rank++) {
    const init: ReplicaInit = { rank, replicas, control, setupData: options.setupData };
    remotes.push(new Remote(new Worker(workerUrl, { workerData: init }), rank, onFailure));
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    abortGroup(control);
    await Promise.all(remotes.map((r) => r.worker.terminate()));
  };
  try {
    await Promise.all(remotes.map((r) => r.expect()));
  } catch (err) {
    await close();
    throw err;
  }

  const failed = (): Error => firstFailure ?? new GroupAbortedError();

  const attach = async (parts: TrainingStepParts, recipe: ReplicaRecipe): Promise<AsyncTrainingStep> => {
    if (closed) throw new Error('this data-parallel group is closed');
    if (groupAborted(control)) throw failed();
    const { model, optimizer, trainable } = parts;
    const params = trainable.reduce((n, v) => n + v.size, 0);
    const shared = sharedStep(control, params, replicas);
    const weights = model.getWeights().map(copyOf);
    const state = await optimizer.getWeights();
    const optimizerState = state.map((s) => ({ name: s.name, ...copyOf(s.tensor) }));
    // getWeights' step count is a new tensor; the slots are the optimizer's own.
    state[0]?.tensor.dispose();
    const message: ToReplica = {
      type: 'attach',
      topology: model.toJSON(undefined, true) as string,
      weights,
      optimizer: recipe.optimizer,
      optimizerState,
      lossFrom: recipe.lossFrom,
      seed: parts.seed,
      shared,
    };
    await Promise.all(remotes.map((r) => r.expect(message)));
    const own = new ReplicaStep(parts, shared, 0);

    return async (xs, ys, lr, step) => {
      if (closed) throw new Error('this data-parallel group is closed');
      if (groupAborted(control)) throw failed();
      const batch = xs.shape[0];
      const sizes = sliceSizes(batch, replicas);
      const shares = sizes.map((n) => n / batch);
      const xAll = xs.dataSync() as TensorData['values'];
      const yAll = ys.dataSync() as TensorData['values'];
      let start = sizes[0];
      for (const remote of remotes) {
        const n = sizes[remote.rank];
        const xr = rows(xAll, xs.shape, xs.dtype as TensorData['dtype'], start, n);
        const yr = rows(yAll, ys.shape, ys.dtype as TensorData['dtype'], start, n);
        start += n;
        const transfer = [xr, yr].flatMap((t) => (t === null ? [] : [t.values.buffer as ArrayBuffer]));
        remote.send({ type: 'step', step, lr, weights: shares, xs: xr, ys: yr }, transfer);
      }
      try {
        const mine = tf.tidy(() => [tf.slice(xs, 0, sizes[0]), tf.slice(ys, 0, sizes[0])]);
        try {
          own.gradients(mine[0], mine[1], step);
        } finally {
          tf.dispose(mine);
        }
        await barrierAsync(control, replicas);
        const { loss, correct } = own.apply(shares, lr);
        return [tf.scalar(loss), tf.scalar(correct)];
      } catch (err) {
        abortGroup(control);
        throw err instanceof GroupAbortedError ? await settledFailure() : err;
      }
    };
  };

  /** The failure that aborted the group, once the failing worker's message or exit has arrived. */
  const settledFailure = async (): Promise<Error> => {
    for (let i = 0; i < 50 && firstFailure === null; i++) await new Promise((r) => setTimeout(r, 20));
    return failed();
  };

  return { replicas, attach, close };
}
