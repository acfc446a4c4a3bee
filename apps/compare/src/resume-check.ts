/**
 * A resume is checked against each run's checkpoint before anything is written, so that a flag that
 * cannot apply is refused in the flag's own words and leaves the run folder as it was.
 */
import { CheckpointError, latestCheckpoint, loadCheckpoint, type CheckpointInfo } from '@zoo/trainer/node';
import { UsageError } from './errors';
import type { RunSpec } from './presets';

/** Each run's latest complete checkpoint, or null when it has none (yet, or any more: see the worker). */
export type ResumePoints = Map<string, CheckpointInfo | null>;

/** Why `spec` cannot continue from `info`, in CLI words, or null when it can. */
export function resumeConflict(spec: RunSpec, info: CheckpointInfo, trainExamples: number, inputShape?: readonly (number | null)[]): string | null {
  const where = `${spec.id}'s checkpoint ${info.path}`;
  const saved = info.config;
  if (saved.model.name !== spec.model) {
    return `--models: ${where} was written for model ${JSON.stringify(saved.model.name)}, not ${spec.model}; expected the run's own checkpoint folder`;
  }
  const side = inputShape?.[1];
  if (typeof side === 'number' && side !== spec.inputSize) {
    return `--resize: got ${spec.inputSize}, but ${where} was trained on ${side} px images; expected ${side} (or no --resize)`;
  }
  if (saved.seed !== spec.seed) {
    return `--seed: got ${spec.seed}, but ${where} was trained with seed ${saved.seed}; expected ${saved.seed} (or no --seed)`;
  }
  if (saved.optimizer.name !== spec.optimizer.name) {
    return `--optimizer: got ${spec.optimizer.name}, but ${where} holds the state of ${saved.optimizer.name}; expected ${saved.optimizer.name} (or no --optimizer)`;
  }
  const { epoch, batch } = info.position;
  const needed = batch > 0 ? epoch + 1 : epoch;
  if (spec.epochs < needed) {
    const done = `${epoch} epoch${epoch === 1 ? '' : 's'} done${batch > 0 ? ` and part of epoch ${epoch + 1}` : ''}`;
    return `--epochs: got ${spec.epochs}, but ${where} has ${done}; expected at least ${needed}`;
  }
  const partial = info.partialEpoch;
  if (info.position.batch > 0 && partial !== null && partial.batches > 0) {
    // Every batch before the checkpoint was whole, so the batch size is their mean.
    const batchSize = partial.examples / partial.batches;
    const mid = `${where} is in the middle of epoch ${info.position.epoch + 1} (after ${partial.batches} batches of ${batchSize})`;
    if (spec.batchSize !== batchSize) {
      return `--batch-size: got ${spec.batchSize}, but ${mid}; expected ${batchSize} until that epoch is done`;
    }
    const examples = Math.min(spec.limitTrain ?? trainExamples, trainExamples);
    const batches = Math.ceil(examples / spec.batchSize);
    if (partial.epochBatches != null && partial.epochBatches !== batches) {
      return `--limit-train: got ${spec.limitTrain ?? 'all'} (${batches} batches an epoch), but ${mid} of an epoch of ${partial.epochBatches} batches; expected the same training examples until that epoch is done`;
    }
  }
  return null;
}

/**
 * Reads each run's checkpoint and refuses the resume when one cannot apply. A run without a complete
 * checkpoint (a crash during its first one) is fine: it starts from the beginning, and says so.
 */
export async function checkResume(runs: readonly RunSpec[], checkpointDir: (spec: RunSpec) => string, trainExamples: number): Promise<ResumePoints> {
  const points: ResumePoints = new Map();
  for (const spec of runs) {
    let info: CheckpointInfo | null;
    let inputShape: readonly (number | null)[] | undefined;
    try {
      info = await latestCheckpoint(checkpointDir(spec));
      // Reading it whole checks every size and SHA-256 now, so that a damaged one fails here and
      // not in a worker after run.json and the report were rewritten.
      if (info !== null) inputShape = (await loadCheckpoint(info.path)).manifest.fingerprint.inputShape;
    } catch (err) {
      if (err instanceof CheckpointError) throw new UsageError(`--resume: ${err.message}; expected a complete checkpoint (or remove that run's folder to train it afresh)`);
      throw err;
    }
    if (info !== null) {
      const conflict = resumeConflict(spec, info, trainExamples, inputShape);
      if (conflict !== null) throw new UsageError(conflict);
    }
    points.set(spec.id, info);
  }
  return points;
}
