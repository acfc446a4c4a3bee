/**
 * Learning-rate schedules: pure functions of the global optimizer step (0-based), as in nanoGPT,
 * that carry a serialisable description so that a saved result says which schedule produced it.
 */
import type { TrainingDefaults } from '@zoo/layers';

/** Serialisable description of a learning-rate schedule. */
export type LrScheduleDescription =
  | { readonly type: 'piecewise-constant'; readonly boundaries: readonly number[]; readonly values: readonly number[] }
  | {
      readonly type: 'cosine-decay';
      readonly initial: number;
      readonly decaySteps: number;
      readonly alpha: number;
      readonly warmupSteps: number;
    }
  | { readonly type: 'custom'; readonly name: string; readonly source: string };

/**
 * A learning rate as a function of the global optimizer step (0-based). Any
 * `(step) => number` is accepted; the builders below also attach a `description`, which the
 * trainer records in the run's config (a plain function is recorded by its source text).
 */
export type LrSchedule = ((step: number) => number) & { readonly description?: LrScheduleDescription };

function withDescription(fn: (step: number) => number, description: LrScheduleDescription): LrSchedule {
  return Object.assign(fn, { description });
}

function assertFiniteNonNegative(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${String(value)}`);
  }
}

/** Options of {@link piecewiseConstant}. */
export interface PiecewiseConstantOptions {
  /** Steps at which the rate changes, strictly increasing. No default. */
  boundaries: readonly number[];
  /** Rates: `values[0]` before `boundaries[0]`, `values[i]` from `boundaries[i - 1]` on; one more than boundaries. No default. */
  values: readonly number[];
}

/**
 * Piecewise-constant rate, as TensorFlow's `PiecewiseConstantDecay`: the paper's "divide by 10"
 * steps, e.g. `piecewiseConstant({ boundaries: [30 * n, 60 * n], values: [0.01, 0.001, 0.0001] })`
 * for `n` batches per epoch.
 */
export function piecewiseConstant(options: PiecewiseConstantOptions): LrSchedule {
  const { boundaries, values } = options;
  if (!Array.isArray(boundaries) || !Array.isArray(values) || values.length !== boundaries.length + 1) {
    throw new RangeError(
      `piecewiseConstant needs values.length === boundaries.length + 1, got ${JSON.stringify(boundaries)} ` +
        `and ${JSON.stringify(values)}`,
    );
  }
  boundaries.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 0 || (i > 0 && b <= boundaries[i - 1])) {
      throw new RangeError(
        `piecewiseConstant boundaries must be increasing integers >= 0, got ${JSON.stringify(boundaries)}`,
      );
    }
  });
  values.forEach((v, i) => assertFiniteNonNegative(`piecewiseConstant values[${i}]`, v));
  const b = [...boundaries];
  const v = [...values];
  return withDescription(
    (step) => {
      let i = 0;
      while (i < b.length && step >= b[i]) i++;
      return v[i];
    },
    { type: 'piecewise-constant', boundaries: b, values: v },
  );
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** Peak rate, reached after the warm-up. No default. */
  initial: number;
  /** Steps over which the rate decays from `initial` to `alpha * initial` (warm-up included). No default. */
  decaySteps: number;
  /** Final rate as a fraction of `initial`. Default 0. */
  alpha?: number;
  /** Steps of linear warm-up from 0 to `initial`. Default 0. */
  warmupSteps?: number;
}

/** Linear warm-up, then cosine decay to `alpha * initial`, then constant (nanoGPT's `get_lr`). */
export function cosineDecay(options: CosineDecayOptions): LrSchedule {
  const { initial, decaySteps, alpha = 0, warmupSteps = 0 } = options;
  assertFiniteNonNegative('cosineDecay initial', initial);
  assertFiniteNonNegative('cosineDecay alpha', alpha);
  if (!Number.isInteger(decaySteps) || decaySteps < 1) {
    throw new RangeError(`cosineDecay decaySteps must be an integer >= 1, got ${String(decaySteps)}`);
  }
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0 || warmupSteps >= decaySteps) {
    throw new RangeError(`cosineDecay warmupSteps must be an integer in [0, decaySteps), got ${String(warmupSteps)}`);
  }
  return withDescription(
    (step) => {
      if (step < warmupSteps) return (initial * (step + 1)) / warmupSteps;
      const t = Math.min(1, (step - warmupSteps) / (decaySteps - warmupSteps));
      return initial * (alpha + (1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * t)));
    },
    { type: 'cosine-decay', initial, decaySteps, alpha, warmupSteps },
  );
}

/** The description recorded for a learning rate given as a number or a function. */
export function describeLr(lr: number | LrSchedule): number | LrScheduleDescription {
  if (typeof lr === 'number') return lr;
  return lr.description ?? { type: 'custom', name: lr.name || 'anonymous', source: String(lr) };
}

/** What a training recipe (a model's registry `training`, `@zoo/layers`' `TrainingDefaults`) says about its learning rate. */
export type LrRecipe = Readonly<Pick<TrainingDefaults, 'learningRate' | 'lrSchedule' | 'lrDropEpochs'>>;

/**
 * A recipe's learning rate as the trainer takes it: a constant, divided by 10 after each of
 * `lrDropEpochs`, or a cosine decay to 0 over `epochs` epochs of `stepsPerEpoch` steps. The one
 * reading of a recipe, so that an app and the script that made the shipped weights train alike.
 */
export function recipeLearningRate(recipe: LrRecipe, stepsPerEpoch: number, epochs: number): number | LrSchedule {
  if (recipe.lrSchedule === 'cosine') return cosineDecay({ initial: recipe.learningRate, decaySteps: Math.max(1, epochs * stepsPerEpoch) });
  const drops = [...new Set(recipe.lrDropEpochs ?? [])].filter((e) => e > 0).sort((a, b) => a - b);
  if (drops.length === 0) return recipe.learningRate;
  return piecewiseConstant({
    boundaries: drops.map((e) => e * stepsPerEpoch),
    values: [0, ...drops].map((_, i) => recipe.learningRate / 10 ** i),
  });
}
