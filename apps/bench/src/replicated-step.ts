import { Worker } from 'node:worker_threads';
import { syntheticBatch, type Step } from './measure';
import { buildModel } from './models';
import type { FromReplica, ReplicaInit, ToReplica } from './replica-protocol';
import { Replica, sharedGrads } from './replicas';
import type { BenchMode } from './types';

export interface ReplicatedOptions {
  backend: string;
  model: string;
  inputSize: number;
  /** The whole batch; each of the `replicas` takes an equal slice. */
  batch: number;
  replicas: number;
  mode: BenchMode;
  learningRate: number;
  /** dist/replica-worker.js */
  workerUrl: URL;
}

export interface ReplicatedStep {
  step: Step;
  close(): Promise<void>;
}

/** A worker and the promise of its next reply: one request in flight at a time, in order. */
class Remote {
  private waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  ready: Promise<number>;

  constructor(readonly worker: Worker) {
    this.ready = new Promise((resolve, reject) => {
      const onFirst = (m: FromReplica): void => {
        if (m.type === 'ready') resolve(m.threads);
        else if (m.type === 'error') reject(new Error(`replica failed to start: ${m.message}`));
        worker.off('message', onFirst);
        worker.on('message', (next: FromReplica) => this.settle(next));
      };
      worker.on('message', onFirst);
      worker.once('error', (err) => {
        reject(err);
        for (const w of this.waiting.splice(0)) w.reject(err);
      });
    });
  }

  private settle(m: FromReplica): void {
    const next = this.waiting.shift();
    if (next === undefined) return;
    if (m.type === 'error') next.reject(new Error(`replica: ${m.message}`));
    else next.resolve();
  }

  call(message: ToReplica): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(message);
    });
  }
}

/**
 * One data-parallel step over `replicas` threads: this thread is replica 0 and already has the
 * backend running; the others are worker threads started here, given replica 0's weights once.
 * Train: gradients (all in parallel) → each averages its share → each applies the same update.
 */
export async function replicatedStep(o: ReplicatedOptions): Promise<ReplicatedStep> {
  if (o.batch % o.replicas !== 0) {
    throw new RangeError(`--replicas ${o.replicas} must divide the batch (${o.batch}) so every replica weighs the same`);
  }
  const slice = o.batch / o.replicas;
  const model = buildModel(o.model, o.inputSize);
  const shared = sharedGrads(o.mode === 'train' ? Replica.paramCount(model) : 0, o.replicas);
  const main = new Replica(model, syntheticBatch(model, slice), shared, 0, o.learningRate);
  const remotes: Remote[] = [];
  for (let rank = 1; rank < o.replicas; rank++) {
    const workerData: ReplicaInit = {
      backend: o.backend,
      model: o.model,
      inputSize: o.inputSize,
      batch: slice,
      rank,
      mode: o.mode,
      learningRate: o.learningRate,
      shared,
    };
    remotes.push(new Remote(new Worker(o.workerUrl, { workerData })));
  }
  const close = async (): Promise<void> => {
    await Promise.all(remotes.map((r) => r.worker.terminate()));
    main.dispose();
  };
  try {
    await Promise.all(remotes.map((r) => r.ready));
    if (o.mode === 'train') {
      const values = main.weights();
      await Promise.all(remotes.map((r) => r.call({ type: 'weights', values })));
    }
  } catch (err) {
    await close();
    throw err;
  }
  const all = async (message: ToReplica, local: () => void): Promise<void> => {
    const pending = remotes.map((r) => r.call(message));
    local();
    await Promise.all(pending);
  };
  const step: Step =
    o.mode === 'train'
      ? async () => {
          await all({ type: 'gradients' }, () => main.gradients());
          await all({ type: 'reduce' }, () => main.reduce());
          await all({ type: 'apply' }, () => main.apply());
        }
      : async () => all({ type: 'infer' }, () => main.infer());
  return { step, close };
}
