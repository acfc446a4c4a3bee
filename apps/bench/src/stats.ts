/** Summary of one measurement: the median is what tables report, because a shared machine's noise
 * is one-sided (another process steals time, never gives it back), and the median ignores it best. */
export interface StepStats {
  /** Timed steps, in the order they ran. */
  timesMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
}

/** Median of a non-empty list; the mean of the middle two for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median: expected at least one value, received none');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(timesMs: readonly number[]): StepStats {
  return {
    timesMs: [...timesMs],
    medianMs: median(timesMs),
    minMs: Math.min(...timesMs),
    maxMs: Math.max(...timesMs),
  };
}

/** Images per second for a step of `batch` images taking `ms`. */
export function imagesPerSecond(batch: number, ms: number): number {
  if (!(ms > 0)) throw new RangeError(`imagesPerSecond: step time must be positive, received ${ms}`);
  return (batch * 1000) / ms;
}

/**
 * Whether to run another untimed step: until `warmup` steps are done and `warmupMs` has passed
 * since the first began.
 */
export function wantAnotherWarmupStep(done: number, elapsedMs: number, policy: { warmup: number; warmupMs: number }): boolean {
  return done < policy.warmup || elapsedMs < policy.warmupMs;
}

/**
 * Whether to time another step: at least `minSteps`, then more while the timed total is under
 * `budgetMs`, never more than `maxSteps`. Adaptive, so a 5 ms LeNet step and a 20 s AlexNet step
 * both get a measurement of about the same wall time without a separate probe step.
 */
export function wantAnotherStep(timesMs: readonly number[], policy: { budgetMs: number; minSteps: number; maxSteps: number }): boolean {
  if (timesMs.length < policy.minSteps) return true;
  if (timesMs.length >= policy.maxSteps) return false;
  return timesMs.reduce((a, b) => a + b, 0) < policy.budgetMs;
}
