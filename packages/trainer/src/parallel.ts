/**
 * What `train` needs of data-parallel training, and the arithmetic every replica shares. The
 * threads themselves are Node's (`startDataParallel` in `@zoo/trainer/node`); this part holds no
 * Node code, so the main entry still bundles for a browser.
 *
 * Why data parallelism at all: where the backend runs everything outside its heavy kernels on one
 * thread (wasm + onnxruntime in Node), a small model's step is bound by per-op overhead, and threads
 * inside the kernels cannot help. Replicas, each with its own TF.js on its own thread and its own
 * slice of the batch, use every core for the whole step.
 */
import type * as tf from '@tensorflow/tfjs';
import type { LossFrom } from './loss';
import type { ResolvedOptimizerConfig } from './optimizers';
import type { TrainingStepParts } from './step';

/** `train`'s step when it waits for other threads: the batch's mean loss and correct count, as scalars the caller disposes. */
export type AsyncTrainingStep = (xs: tf.Tensor, ys: tf.Tensor, lr: number, step: number) => Promise<[tf.Scalar, tf.Scalar]>;

/**
 * A group of replicas that trains one model together (in Node: `startDataParallel` from
 * `@zoo/trainer/node`). This thread is replica 0: its model, optimizer and checkpoints are the run's.
 */
export interface DataParallel {
  /** Replicas, this thread included. */
  readonly replicas: number;
  /**
   * Gives every other replica this thread's model (its topology, weights and optimizer state, as
   * they are after a resume) and returns the step that trains all of them on slices of each batch.
   * `train` calls it once, after its starting point is in place.
   */
  attach(parts: TrainingStepParts, recipe: ReplicaRecipe): Promise<AsyncTrainingStep>;
}

/** What the other replicas need besides the model to build the same step: how `train` resolved its options. */
export interface ReplicaRecipe {
  readonly lossFrom: LossFrom;
  readonly optimizer: ResolvedOptimizerConfig;
}

/**
 * Examples of a `batch` for each of `replicas`, in order, as equal as they can be (the first ones
 * take the remainder). A batch smaller than the group leaves the last replicas empty.
 */
export function sliceSizes(batch: number, replicas: number): number[] {
  const base = Math.floor(batch / replicas);
  const extra = batch % replicas;
  return Array.from({ length: replicas }, (_, r) => base + (r < extra ? 1 : 0));
}

/**
 * The dropout seed of replica `rank`: replica 0 keeps the run's, so one replica trains as `train`
 * alone does; the others draw masks of their own instead of repeating replica 0's on other examples.
 */
export function replicaSeed(seed: number, rank: number): number {
  if (rank === 0) return seed;
  let h = (seed ^ Math.imul(rank, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}
