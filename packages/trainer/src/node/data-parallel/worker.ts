/**
 * The worker side of data-parallel training. A worker script of the caller's calls
 * {@link serveReplica} with the function that readies its thread: it starts the backend and
 * imports whatever registers the model's custom layers. The replica then rebuilds the model from
 * replica 0's topology, takes its weights and optimizer state, and runs its part of every step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { classifierHead } from '../../loss';
import { createOptimizer, type TrainerOptimizer } from '../../optimizers';
import { trainableVariables } from '../../step';
import { messageOf, type FromReplica, type ReplicaInit, type TensorData, type ToReplica } from './protocol';
import { ReplicaStep } from './replica';
import { abortGroup, barrier, GroupAbortedError } from './shared';

/** Readies a worker thread before its replica is built; `setupData` is what `startDataParallel` was given. */
export type ReplicaSetup = (setupData: unknown) => void | Promise<void>;

function toTensor(t: TensorData): tf.Tensor {
  return tf.tensor(t.values, t.shape, t.dtype);
}

/**
 * Serves one replica in this worker thread until replica 0 stops it. Call it once, at the top of
 * the worker script that `startDataParallel` starts.
 */
export function serveReplica(setup: ReplicaSetup): void {
  const port = parentPort;
  if (port === null) throw new Error('serveReplica runs in a worker thread that startDataParallel started');
  const init = workerData as ReplicaInit;
  const reply = (m: FromReplica): void => port.postMessage(m);
  let model: tf.LayersModel | undefined;
  let optimizer: TrainerOptimizer | undefined;
  let replica: ReplicaStep | undefined;

  const attach = async (m: Extract<ToReplica, { type: 'attach' }>): Promise<void> => {
    model = await tf.models.modelFromJSON(JSON.parse(m.topology) as Parameters<typeof tf.models.modelFromJSON>[0]);
    const weights = m.weights.map(toTensor);
    model.setWeights(weights);
    tf.dispose(weights);
    optimizer = createOptimizer(m.optimizer, 0);
    const state = m.optimizerState.map((s) => ({ name: s.name, tensor: toTensor(s) }));
    await optimizer.setWeights(state);
    tf.dispose(state.map((s) => s.tensor));
    const parts = { model, head: classifierHead(model, m.lossFrom), trainable: trainableVariables(model), optimizer, seed: m.seed };
    replica = new ReplicaStep(parts, m.shared, init.rank);
  };

  const step = (m: Extract<ToReplica, { type: 'step' }>, r: ReplicaStep, shared: SharedArrayBuffer): void => {
    const xs = m.xs === null ? null : toTensor(m.xs);
    const ys = m.ys === null ? null : toTensor(m.ys);
    try {
      r.gradients(xs, ys, m.step);
    } finally {
      tf.dispose([xs, ys].filter((t): t is tf.Tensor => t !== null));
    }
    barrier(shared, init.replicas);
    r.apply(m.weights, m.lr);
  };

  const stop = (): void => {
    optimizer?.dispose();
    model?.dispose();
    port.close();
  };

  const onMessage = async (m: ToReplica): Promise<void> => {
    try {
      if (m.type === 'attach') {
        await attach(m);
        reply({ type: 'attached' });
      } else if (m.type === 'step') {
        if (replica === undefined) throw new Error('a step before attach');
        step(m, replica, init.control);
      } else {
        stop();
      }
    } catch (err) {
      // The others are waiting at a barrier for this replica: let them go, then say why.
      abortGroup(init.control);
      if (!(err instanceof GroupAbortedError)) reply({ type: 'error', message: messageOf(err) });
    }
  };

  void (async () => {
    try {
      await setup(init.setupData);
    } catch (err) {
      reply({ type: 'error', message: `its setup failed: ${messageOf(err)}` });
      return;
    }
    port.on('message', (m: ToReplica) => void onMessage(m));
    reply({ type: 'ready' });
  })();
}
