/**
 * The run's side of checkpoints: where it starts (fresh, or a checkpoint's position after every
 * check that it belongs to this run) and writing one at a position. The files themselves are
 * node/checkpoint's; the browser build has none.
 */
import type * as tf from '@tensorflow/tfjs';
import type * as checkpointFiles from './node/checkpoint';
import type { LoadedCheckpoint } from './node/checkpoint';
import { CheckpointError } from './errors';
import { fingerprintDifference } from './fingerprint';
import type { Run } from './options';
import type { TrainerOptimizer } from './optimizers';
import { STEP_RNG_ALGORITHM } from './seeded-random';
import type { EpochRecord, PartialEpoch, ResolvedTrainConfig, RunPosition } from './types';

/**
 * What the trainer needs to read and write checkpoints. Only the Node build has it (files); the
 * browser build passes null, so its main entry never imports node:fs.
 */
export type CheckpointFiles = Pick<
  typeof checkpointFiles,
  'latestCheckpoint' | 'loadCheckpoint' | 'removeIncompleteCheckpoints' | 'restoreCheckpoint' | 'saveCheckpoint'
>;

/** Where a run starts, and what it carries over from the checkpoint it continues. */
export interface StartingPoint {
  readonly position: RunPosition;
  /** Sums of the interrupted epoch when the checkpoint is mid-epoch, else null. */
  readonly partial: PartialEpoch | null;
  readonly history: readonly EpochRecord[];
  /** The checkpoint continued from, or null for a fresh run. */
  readonly from: LoadedCheckpoint | null;
}

/**
 * Sweeps what a crashed run left half-written, then: with `resumeFrom` or `resume`, loads the
 * checkpoint, checks that it fits this run (its manifest agrees with itself, same architecture,
 * seed, no more epochs than asked) and restores model and optimizer from it; without, refuses a
 * `checkpointDir` that already holds a checkpoint.
 */
export async function startingPoint(run: Run, options: { resume?: boolean; resumeFrom?: string }, model: tf.LayersModel, optimizer: TrainerOptimizer): Promise<StartingPoint> {
  const { checkpointDir, checkpoints } = run;
  const resumeSource = options.resumeFrom ?? (options.resume === true ? checkpointDir : null);
  // What a crashed run left half-written goes first, so that it never blocks a resume.
  if (checkpointDir !== null) await checkpoints!.removeIncompleteCheckpoints(checkpointDir);
  if (resumeSource !== null) {
    const loaded = await checkpoints!.loadCheckpoint(resumeSource);
    const m = loaded.manifest;
    if (m.rng.step !== m.position.step || m.position.batch > 0 !== (m.partialEpoch !== null)) {
      throw new CheckpointError(
        loaded.path,
        `position ${JSON.stringify(m.position)}, rng step ${m.rng.step} and partial epoch ` +
          `${JSON.stringify(m.partialEpoch)} do not agree: the manifest is corrupt`,
      );
    }
    // The architecture first: another model's checkpoint differs in the seed too, but that is not the news.
    const difference = fingerprintDifference(m.fingerprint, run.fingerprint);
    if (difference !== null) {
      throw new CheckpointError(loaded.path, `was written for another model architecture: ${difference}`);
    }
    if (m.rng.seed !== run.seed) {
      throw new RangeError(
        `seed is ${run.seed} but the checkpoint ${loaded.path} was trained with seed ${m.rng.seed}; resume with the same seed`,
      );
    }
    if (m.position.epoch > run.epochs) {
      throw new RangeError(`epochs is ${run.epochs} but the checkpoint ${loaded.path} is already at epoch ${m.position.epoch}`);
    }
    await checkpoints!.restoreCheckpoint(loaded, model, optimizer, run.optimizer.name, run.trainable);
    return { position: m.position, partial: m.partialEpoch, history: m.history, from: loaded };
  }
  if (checkpointDir !== null) {
    const existing = await checkpoints!.latestCheckpoint(checkpointDir);
    if (existing !== null) {
      throw new RangeError(
        `checkpointDir ${checkpointDir} already holds a checkpoint (${existing.path}, epoch ${existing.position.epoch}); ` +
          'pass resume: true to continue it, or use an empty directory',
      );
    }
  }
  return { position: { epoch: 0, batch: 0, step: 0 }, partial: null, history: [], from: null };
}

/** Writes the run's checkpoints (when it has a `checkpointDir`), once per position. */
export class Checkpointer {
  private lastSaved: { position: RunPosition; path: string } | null;

  constructor(
    private readonly run: Run,
    private readonly model: tf.LayersModel,
    private readonly optimizer: TrainerOptimizer,
    private readonly config: ResolvedTrainConfig,
    start: StartingPoint,
  ) {
    this.lastSaved = start.from === null ? null : { position: start.position, path: start.from.path };
  }

  /** The last checkpoint written or resumed from, or null. */
  get lastPath(): string | null {
    return this.lastSaved?.path ?? null;
  }

  /**
   * A checkpoint at `at` with the epoch sums `sums` (mid-epoch) and `history`; the path of the one
   * already there when it was written at this position. Null without `checkpointDir`.
   */
  async save(at: RunPosition, sums: PartialEpoch | null, history: readonly EpochRecord[]): Promise<string | null> {
    const { checkpointDir, checkpoints, seed, keepCheckpoints } = this.run;
    if (checkpointDir === null) return null;
    const last = this.lastSaved;
    const same = last !== null && last.position.epoch === at.epoch && last.position.batch === at.batch;
    if (!same) {
      const state = {
        position: at,
        rng: { algorithm: STEP_RNG_ALGORITHM, seed, step: at.step },
        partialEpoch: sums,
        history: [...history],
        config: this.config,
      };
      const p = await checkpoints!.saveCheckpoint(checkpointDir, this.model, this.optimizer, this.run.optimizer.name, state, keepCheckpoints);
      this.lastSaved = { position: at, path: p };
    }
    return this.lastPath;
  }
}
