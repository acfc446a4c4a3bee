/** The records a run produces: per batch, per epoch, and the resolved config that goes with them. */
import type { ManifestEpoch } from '@zoo/layers';
import type { LossSource } from './loss';
import type { ResolvedOptimizerConfig } from './optimizers';

/**
 * One epoch of training, as reported to `onEpochEnd` and kept in `history`: the manifest's epoch
 * record (`@zoo/layers`' `ManifestEpoch`: epoch counted from 0, null where there is no test set) and
 * what only a live run knows.
 */
export interface EpochRecord extends ManifestEpoch {
  /** Training examples in the epoch. */
  readonly examples: number;
  /** Batches (= optimizer steps) in the epoch. */
  readonly batches: number;
  /** Global optimizer steps completed at the end of the epoch. */
  readonly step: number;
  /** Training examples per second of training time (evaluation excluded), D2L's throughput measure. */
  readonly examplesPerSec: number;
  /** `tf.memory().numTensors` at the end of the epoch: constant from epoch to epoch unless something leaks. */
  readonly numTensors: number;
}

/** Passed to `onBatchBegin`. */
export interface BatchBeginLogs {
  readonly epoch: number;
  readonly batch: number;
  /** Global optimizer step this batch performs, 0-based. */
  readonly step: number;
  /** Examples in the batch. */
  readonly size: number;
  /** Learning rate of this step. */
  readonly lr: number;
}

/** Passed to `onBatchEnd`: everything a progress bar needs. */
export interface BatchEndLogs extends BatchBeginLogs {
  /** `batchesPerEpoch` if given, else the dataset's known size, else null. */
  readonly batchesPerEpoch: number | null;
  /** Mean cross-entropy of this batch. */
  readonly loss: number;
  /** Accuracy on this batch. */
  readonly acc: number;
  /** Examples of this epoch so far, this batch included. */
  readonly examplesSeen: number;
  /** Mean loss of this epoch so far. */
  readonly runningLoss: number;
  /** Accuracy of this epoch so far. */
  readonly runningAcc: number;
  /** Training examples per second in this epoch so far. */
  readonly examplesPerSec: number;
}

/** Passed to `onEpochBegin`. */
export interface EpochBeginLogs {
  readonly epoch: number;
  readonly batchesPerEpoch: number | null;
  /** Global optimizer steps completed before this epoch. */
  readonly step: number;
}

/** Passed to `onTrainBegin`. */
export interface TrainBeginLogs {
  readonly config: ResolvedTrainConfig;
  /** Epoch the run starts in (after a resume: the checkpoint's). */
  readonly startEpoch: number;
  /** Batches of that epoch already done (non-zero when resuming from a checkpoint taken mid-epoch). */
  readonly startBatch: number;
  /** Global optimizer steps already done. */
  readonly startStep: number;
}

/** Callbacks, named as in TF.js; each may return a promise, which the trainer awaits. A callback that throws ends training with that error. */
export interface TrainCallbacks {
  onTrainBegin?(logs: TrainBeginLogs): void | Promise<void>;
  /** Called when all epochs are done (not after an error or abort). */
  onTrainEnd?(logs: TrainResult): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: EpochBeginLogs): void | Promise<void>;
  /** Called after the epoch's checkpoint (if any) is written. */
  onEpochEnd?(epoch: number, logs: EpochRecord): void | Promise<void>;
  onBatchBegin?(batch: number, logs: BatchBeginLogs): void | Promise<void>;
  /**
   * Called once the batch's loss has been read back. With `readbackEvery: k > 1` the calls for k
   * batches come together after the last of them was dispatched.
   */
  onBatchEnd?(batch: number, logs: BatchEndLogs): void | Promise<void>;
}

/** The run's configuration with every default filled in; JSON-serialisable. */
export interface ResolvedTrainConfig {
  readonly epochs: number;
  readonly seed: number;
  readonly optimizer: ResolvedOptimizerConfig;
  readonly loss: {
    readonly name: 'categorical-cross-entropy';
    readonly reduction: 'mean';
    readonly source: LossSource;
    /** Probability clip for `clipped-probabilities`, else null. */
    readonly epsilon: number | null;
    /** Whether the model's layer regularizers added terms to the objective (never to the reported loss). */
    readonly regularizationLosses: boolean;
  };
  readonly batchesPerEpoch: number | null;
  readonly readbackEvery: number;
  readonly checkpointDir: string | null;
  readonly keepCheckpoints: number;
  /** The checkpoint this run started from, or null. */
  readonly resumedFrom: string | null;
  readonly data: { readonly train: 'dataset' | 'function'; readonly test: 'dataset' | 'function' | null };
  readonly model: {
    readonly name: string;
    readonly fingerprint: string;
    readonly params: number;
    readonly trainableParams: number;
  };
  /** How dropout and other unseeded random ops are made reproducible. */
  readonly rng: string;
  /** Data-parallel replicas that trained each step; 1 when this thread trained alone. */
  readonly replicas: number;
  readonly backend: string;
  readonly tfjsVersion: string;
}

/** What `train` returns. */
export interface TrainResult {
  readonly history: readonly EpochRecord[];
  readonly config: ResolvedTrainConfig;
  /** The last checkpoint written, or null without `checkpointDir`. */
  readonly checkpointPath: string | null;
}

/** Sums of an epoch in progress, saved with a mid-epoch checkpoint. */
export interface PartialEpoch {
  readonly batches: number;
  readonly examples: number;
  readonly lossSum: number;
  readonly correct: number;
  readonly trainSeconds: number;
  readonly lr: number;
  /**
   * Batches in the interrupted epoch when the dataset's size was known, so that a resume on other
   * data (another batch size or subset) is refused instead of training a wrong epoch. Absent in
   * checkpoints written before it existed.
   */
  readonly epochBatches?: number | null;
}

/** Where a run is: the next batch to train is `batch` (0-based) of epoch `epoch`; `step` steps are done. */
export interface RunPosition {
  readonly epoch: number;
  readonly batch: number;
  readonly step: number;
}
