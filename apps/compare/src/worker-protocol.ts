import type { Split } from '@zoo/datasets';
import type { RunSpec } from './presets';
import type { CurvePoint, EpochRecord, Evaluation, RunStatus } from './report';
import type { SavedModelInfo } from './saved-model';

/**
 * One split of the data set as the main thread loaded it once: `@zoo/datasets`' `Split`, its bytes
 * in SharedArrayBuffers, so every worker reads the same 55 MB instead of a copy each.
 */
export type SharedSplit = Split;

/** `workerData` of a training worker. */
export interface WorkerInput {
  spec: RunSpec;
  /** The backend choice to pass to `initBackend`: the one the main thread settled on. */
  backend: string;
  /** wasm threads for this worker: the cores split between the runs that train at once. */
  threads: number;
  /** Data-parallel replicas (one backend thread each, this worker being replica 0); 1: none, `threads` threads. */
  replicas: number;
  train: SharedSplit;
  test: SharedSplit;
  numClasses: number;
  /** The trainer's folder: nothing but the trainer writes there. */
  checkpointDir: string;
  /** The app's own file for what the report needs beyond the checkpoint (curve, wall time, peak memory). */
  statePath: string;
  /** Where runs before this version kept that file (beside checkpointDir), read when statePath is absent. */
  legacyStatePath: string;
  resume: boolean;
  /** With resume: the epochs the checkpoint it continues from covers (absent: it has none, so it starts afresh). */
  resumeEpochs?: number;
}

export interface BatchProgress {
  /** 1-based. */
  epoch: number;
  /** 1-based, within the epoch. */
  batch: number;
  batchesPerEpoch: number;
  /** Running means over the epoch so far. */
  loss: number;
  acc: number;
  examplesPerSec: number;
}

export interface WorkerOutcome {
  status: RunStatus;
  history: EpochRecord[];
  curve: CurvePoint[];
  peakMemoryBytes: number;
  wallSeconds: number;
  evaluation?: Evaluation;
  /** The trained model, saved in the run folder (runs that finished and were evaluated). */
  savedModel?: SavedModelInfo;
  error?: string;
}

export type WorkerMessage =
  /** The model is built: what it costs. */
  | { type: 'model'; params: number; flops: number; batchesPerEpoch: number }
  /** Training continues from a checkpoint taken after `batch` batches of epoch `epoch` (both counted from 0). */
  | { type: 'resumed'; epoch: number; batch: number }
  | { type: 'batch'; progress: BatchProgress }
  | { type: 'epoch'; record: EpochRecord }
  /** Work between batches that takes a while: the test pass after an epoch, the final evaluation. */
  | { type: 'phase'; text: string }
  /** Something the person at the keyboard should know, once. */
  | { type: 'note'; text: string }
  | { type: 'finished'; outcome: WorkerOutcome };

/** The input arrives as `workerData` in a thread, as this first message in a child process. */
export type MainMessage = { type: 'abort' } | { type: 'start'; input: WorkerInput };

/**
 * Where a run's worker lives. `thread`: a worker_thread, sharing the data set's memory. `process`: a
 * child process, for backends built on a native addon (TensorFlow's libtensorflow, Dawn for WebGPU),
 * which upstream does not support in more than one thread of a process (tensorflow/tfjs#8388).
 */
export type Isolation = 'thread' | 'process';
