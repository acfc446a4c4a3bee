/** The messages between replica 0 and its worker replicas. Steps themselves meet in shared memory. */
import type { LossFrom } from '../../loss';
import type { ResolvedOptimizerConfig } from '../../optimizers';
import type { SharedStep } from './shared';

/** A tensor's values copied out of TF.js, to cross to another thread. */
export interface TensorData {
  values: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
}

/** What each worker is started with. */
export interface ReplicaInit {
  rank: number;
  replicas: number;
  /** The group's control words (shared.ts). */
  control: SharedArrayBuffer;
  /** The caller's, for its setup function (which backend to start, for one). */
  setupData: unknown;
}

export type ToReplica =
  | {
      type: 'attach';
      /** `model.toJSON()`: the topology the worker rebuilds its copy from. */
      topology: string;
      /** `model.getWeights()`, in order. */
      weights: TensorData[];
      optimizer: ResolvedOptimizerConfig;
      /** The optimizer's `getWeights()`, in order (its step count first). */
      optimizerState: (TensorData & { name: string })[];
      lossFrom: LossFrom;
      seed: number;
      shared: SharedStep;
    }
  | {
      type: 'step';
      step: number;
      lr: number;
      /** Each replica's share of the batch (its examples over the batch's). */
      weights: number[];
      /** This replica's slice; null when the batch has none for it. */
      xs: TensorData | null;
      ys: TensorData | null;
    }
  | { type: 'stop' };

export type FromReplica = { type: 'ready' } | { type: 'attached' } | { type: 'error'; message: string };

/** What a thrown value says, for an error message that crosses threads. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
