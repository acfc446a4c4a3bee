/**
 * The data-parallel training step compare runs on small models (`@zoo/trainer/node`'s
 * `startDataParallel`): this thread is replica 0 with the backend already running; the others are
 * worker threads with one thread of the same backend each, and every step trains all of them on
 * slices of the batch.
 */
import * as tf from '@tensorflow/tfjs';
import { createTrainingStep } from '@zoo/trainer';
import { startDataParallel } from '@zoo/trainer/node';
import { syntheticBatch, type Step } from './measure';
import { buildModel } from './models';

export interface ReplicatedOptions {
  backend: string;
  model: string;
  inputSize: number;
  /** The whole batch; the replicas take slices of it. */
  batch: number;
  replicas: number;
  learningRate: number;
  /** dist/replica-worker.js */
  workerUrl: URL;
}

export interface ReplicatedStep {
  step: Step;
  close(): Promise<void>;
}

export async function replicatedStep(o: ReplicatedOptions): Promise<ReplicatedStep> {
  const group = await startDataParallel({ replicas: o.replicas, workerUrl: o.workerUrl, setupData: o.backend });
  const model = buildModel(o.model, o.inputSize);
  const data = syntheticBatch(model, o.batch);
  const created = createTrainingStep(model, { optimizer: { name: 'sgd', lr: o.learningRate } });
  const close = async (): Promise<void> => {
    await group.close();
    tf.dispose([data.xs, data.labels]);
    created.optimizer.dispose();
    model.dispose();
  };
  try {
    const train = await group.attach(created.parts, created.recipe);
    let index = 0;
    const step: Step = async () => {
      const [loss, correct] = await train(data.xs, data.labels, o.learningRate, index++);
      tf.dispose([loss, correct]);
    };
    return { step, close };
  } catch (err) {
    await close();
    throw err;
  }
}
