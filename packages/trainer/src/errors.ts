/**
 * The errors a training run can end with, as classes so that an app can tell them apart
 * (`err instanceof NonFiniteLossError`) and read the position from fields, not from the message.
 */

/** Where in a run something happened (0-based, as in the callbacks). */
export interface TrainingPosition {
  /** Epoch index, 0-based. */
  readonly epoch: number;
  /** Batch index within the epoch, 0-based. */
  readonly batch: number;
  /** Global optimizer step, 0-based (the step that produced the bad loss). */
  readonly step: number;
}

/**
 * The loss of a batch was NaN or infinite. The weights are no longer trustworthy: no epoch record
 * and no checkpoint is produced after this batch, and the last checkpoint (if any) is still valid.
 */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';
  readonly epoch: number;
  readonly batch: number;
  readonly step: number;
  /** The loss that was read: NaN, Infinity or -Infinity. */
  readonly loss: number;
  /** The learning rate of that step. */
  readonly learningRate: number;

  /** The L2 weight decay of the run (0 for none). */
  readonly weightDecay: number;

  constructor(position: TrainingPosition, loss: number, learningRate: number, weightDecay = 0) {
    super(
      `training diverged: the loss is ${loss} at epoch ${position.epoch}, batch ${position.batch} ` +
        `(0-based; global step ${position.step}, learning rate ${learningRate}` +
        `${weightDecay > 0 ? `, weight decay ${weightDecay}` : ''}). ${advice(learningRate, weightDecay)} ` +
        `Nothing from this batch on is reported, and the last checkpoint written before it is still valid.`,
    );
    this.epoch = position.epoch;
    this.batch = position.batch;
    this.step = position.step;
    this.loss = loss;
    this.learningRate = learningRate;
    this.weightDecay = weightDecay;
  }
}

/**
 * What to change. L2 decay shrinks each weight by lr·wd per step, so from lr·wd = 1 on a step
 * overshoots zero and the weights grow: then the decay is the cause, whatever the rate.
 */
function advice(lr: number, wd: number): string {
  if (wd > 0 && lr * wd >= 1) {
    return (
      `The weight decay is the likely cause: learning rate × weight decay is ${lr * wd}, and from 1 on each step ` +
      `pushes the weights past zero, so they grow; lower the weight decay (typical values are 1e-4 to 5e-4) and train again.`
    );
  }
  if (wd > 0) return `Lower the learning rate (try ${lr / 10}) or the weight decay and train again.`;
  return `Lower the learning rate (try ${lr / 10}) and train again.`;
}

/** A checkpoint could not be used: missing, corrupt, from another format version, or for another model. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  /** The file or directory the problem is in. */
  readonly path: string;

  constructor(path: string, message: string) {
    super(`checkpoint ${path}: ${message}`);
    this.path = path;
  }
}

/**
 * Training stopped because the `signal` passed to `train` was aborted. When `checkpointDir` was
 * given, the state at the moment of the abort has been written there and `train` with
 * `resume: true` continues from it.
 */
export class TrainingAbortedError<TRecord = unknown> extends Error {
  override readonly name = 'TrainingAbortedError';
  /** Epoch index (0-based) that was in progress; equals the number of completed epochs at an epoch boundary. */
  readonly epoch: number;
  /** Batches of that epoch that were completed. */
  readonly batch: number;
  /** Global optimizer steps completed. */
  readonly step: number;
  /** The records of the completed epochs. */
  readonly history: readonly TRecord[];
  /** The checkpoint that holds the state at the abort, or null when no `checkpointDir` was given. */
  readonly checkpointPath: string | null;

  constructor(position: TrainingPosition, history: readonly TRecord[], checkpointPath: string | null, reason: unknown) {
    const why = reason instanceof Error ? reason.message : reason === undefined ? 'aborted' : String(reason);
    super(
      `training aborted (${why}) at epoch ${position.epoch}, after ${position.batch} batches of it ` +
        `(${position.step} steps in all); ` +
        (checkpointPath === null
          ? 'no checkpointDir was given, so nothing was saved'
          : `state saved to ${checkpointPath}; pass resume: true to continue`),
    );
    this.epoch = position.epoch;
    this.batch = position.batch;
    this.step = position.step;
    this.history = history;
    this.checkpointPath = checkpointPath;
  }
}
