import type { StepProfile } from './measure';
import type { TorchModelSpec } from './torch-spec';
import type { BackendReport, BenchFailure, BenchResult, Task } from './types';

/** What the parent sends a backend child: everything it measures, in order. */
export interface ChildJob {
  backend: string;
  tasks: Task[];
  learningRate: number;
  /** Profile one training step of each model with tf.profile. */
  profile: boolean;
  /**
   * Data-parallel replica counts to measure each training task with (1 = the plain step); counts
   * above 1 run the trainer's replicas, extra TF.js instances in worker threads. Default: [1].
   */
  replicas?: number[];
  /**
   * What to measure instead when the backend turns out to compute in software (WebGPU on lavapipe,
   * whose kernels are as slow as the pure-JS backend's): the slow plan, on small batches.
   */
  softwareTasks?: Task[];
  /** Notes that go with `softwareTasks` (what they leave out). */
  softwareNotes?: string[];
  /** wasm only: threads of its XNNPACK pool (`initBackend`'s `threads`). Default: 1. */
  wasmThreads?: number;
}

/** A profile of one training step of one model on one backend. */
export interface ProfileReport extends StepProfile {
  backend: string;
  model: string;
  batch: number;
  inputSize: number;
}

/** What a child sends back, as it goes. */
export type ChildMessage =
  | { type: 'backend'; report: BackendReport }
  | { type: 'progress'; text: string }
  | { type: 'spec'; spec: TorchModelSpec }
  | { type: 'result'; result: BenchResult }
  | { type: 'failure'; failure: BenchFailure }
  | { type: 'profile'; profile: ProfileReport }
  | { type: 'done' };
