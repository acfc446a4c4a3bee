import type { ModelInfo, TrainingDefaults } from '@zoo/models';
import { recipeLearningRate, resolveOptimizerOptions, type LrSchedule, type OptimizerName, type OptimizerOptions } from '@zoo/trainer';
import { badValue } from './errors';
import type { CliOptions, PresetChoice, SweepFlag } from './options';

export type { OptimizerName };

/**
 * The optimizer of a run as data a worker receives: the trainer's options (`name`, `momentum`,
 * `weightDecay`) with a plain initial `lr`, and the recipe's schedule (the registry's `lrDropEpochs`,
 * or `lrSchedule: 'cosine'`), which `runLearningRate` turns into the trainer's schedule.
 */
export type OptimizerSpec = Pick<OptimizerOptions, 'name' | 'momentum' | 'weightDecay'> &
  Pick<TrainingDefaults, 'lrDropEpochs'> & {
    /** The initial learning rate. */
    lr: number;
    /** `cosine`: the rate decays to 0 over the run's steps (then no drops); absent: the drops, or constant. */
    lrSchedule?: 'cosine';
  };

/** One model's training job, everything a worker needs to reproduce it. */
export interface RunSpec {
  /** Unique within a run: the model's name, or `model@bs64` in a sweep. Names its checkpoint folder. */
  id: string;
  model: string;
  /** Side of the square images the model sees; Fashion-MNIST is resized to it when it is not 28. */
  inputSize: number;
  batchSize: number;
  epochs: number;
  optimizer: OptimizerSpec;
  /** Random flips and crops of the training images, from the model's recipe; absent means none. */
  augment?: { flip?: boolean; crop?: number };
  /** Use only the first n examples; absent means all. */
  limitTrain?: number;
  limitTest?: number;
  seed: number;
  /**
   * Set when the preset trains this model on a token subset only to show what it costs (AlexNet at
   * 224 px on a CPU): its accuracy is no result, and the report says so.
   */
  costProbe?: boolean;
}

/** What a preset changes from a model's own training defaults (its registry metadata). */
interface PresetRow {
  batchSize?: number;
  lr?: number;
  epochs?: number;
  limitTrain?: number;
  limitTest?: number;
}

export interface Preset {
  name: Exclude<PresetChoice, 'auto'>;
  /** One line: what it runs and why. */
  summary: string;
  /** The models it trains when `--models` is not given. */
  models: string[];
  /** Epochs for every model; absent means each model's own default (D2L's 10). */
  epochs?: number;
  limitTrain?: number;
  limitTest?: number;
  /** Changes for one model by name, over everything else here. */
  rows?: Record<string, PresetRow>;
  /**
   * Changes for models whose native input is larger than {@link SMALL_INPUT} (AlexNet at 224 px): on a
   * CPU one epoch over all 60,000 images takes hours, so a preset trains them on a subset.
   */
  large?: PresetRow;
  /** What `--sweep` trains when `--models` is not given, and on how much data. */
  sweep: { models: string[]; epochs?: number; limitTrain?: number; limitTest?: number };
}

/** Models whose native input is at most this are "small" (LeNet, alexnet-mini): full data even on a CPU. */
export const SMALL_INPUT = 64;

export const PRESETS: Record<Preset['name'], Preset> = {
  d2l: {
    name: 'd2l',
    summary:
      "the chapter's setup: each model with its D2L hyperparameters (AlexNet at 224 px, SGD lr 0.01, batch 128; " +
      'LeNet-5 at 28 px, lr 0.9, batch 256), 10 epochs, all 60,000 images',
    models: ['lenet5', 'alexnet'],
    // train_ch6's 10 epochs for every model; the registry's own epochs are those of the shipped weights.
    epochs: 10,
    sweep: { models: ['alexnet'] },
  },
  cpu: {
    name: 'cpu',
    // Sized by measurement with wasm, one thread per worker: alone on a core LeNet-5 trains at about
    // 1,300 examples/s, alexnet-mini at 130-220 and AlexNet at 224 px at under 3, so this is about 850
    // core-seconds: 7-8 minutes on two idle cores, 12-14 on two cores shared with other work. LeNet's
    // sigmoids sit at chance for its first epoch (as in D2L), so it gets five to climb out.
    summary:
      'LeNet-5 (5 epochs) against alexnet-mini, AlexNet redesigned for 28 px (1 epoch), on all 60,000 images, ' +
      'and D2L AlexNet at 224 px on 256 images for 1 epoch to show what it costs',
    models: ['lenet5', 'alexnet-mini', 'alexnet'],
    epochs: 1,
    rows: { lenet5: { epochs: 5 } },
    large: { batchSize: 64, epochs: 1, limitTrain: 256, limitTest: 256 },
    sweep: { models: ['alexnet-mini'], epochs: 1, limitTrain: 12000, limitTest: 2000 },
  },
  quick: {
    name: 'quick',
    summary: 'a smoke run: LeNet-5 against alexnet-mini on 2,048 training and 512 test images, 1 epoch',
    models: ['lenet5', 'alexnet-mini'],
    epochs: 1,
    limitTrain: 2048,
    limitTest: 512,
    large: { batchSize: 32, limitTrain: 256, limitTest: 128 },
    sweep: { models: ['alexnet-mini'], epochs: 1, limitTrain: 2048, limitTest: 512 },
  },
};

/**
 * The models a run will train whatever the backend turns out to be: the preset's, or for `auto` those
 * that every preset it can become (d2l on a GPU, cpu otherwise) trains.
 */
export function certainModels(choice: PresetChoice | undefined, mode: 'compare' | 'sweep'): string[] {
  const names = (p: Preset) => (mode === 'sweep' ? p.sweep.models : p.models);
  if (choice !== undefined && choice !== 'auto') return [...names(PRESETS[choice])];
  const cpu = names(PRESETS.cpu);
  return names(PRESETS.d2l).filter((n) => cpu.includes(n));
}

export interface BackendFacts {
  name: string;
  device: 'gpu' | 'cpu';
}

export interface PresetChoiceResult {
  preset: Preset;
  /** Why this preset, in one line, printed at start. */
  reason: string;
}

/** Resolves `auto` from the backend: the chapter's setup needs a GPU to finish within the hour. */
export function choosePreset(choice: PresetChoice | undefined, backend: BackendFacts): PresetChoiceResult {
  if (choice !== undefined && choice !== 'auto') {
    return { preset: PRESETS[choice], reason: `--preset ${choice}` };
  }
  if (backend.device === 'gpu') {
    return { preset: PRESETS.d2l, reason: `auto: backend ${backend.name} runs on a GPU, so the chapter's full setup` };
  }
  return {
    preset: PRESETS.cpu,
    reason:
      `auto: backend ${backend.name} runs on the CPU, where the chapter's setup (AlexNet at 224 px, 60,000 images, 10 epochs) ` +
      'would take days; --preset d2l runs it anyway',
  };
}

/** What the model registry says about a model that planning needs: its sizes and whole training recipe. */
export type ModelFacts = Pick<ModelInfo, 'name' | 'inputSize' | 'minInputSize' | 'training'>;

export interface Plan {
  preset: Preset;
  presetReason: string;
  mode: 'compare' | 'sweep';
  sweep?: { flag: SweepFlag; values: number[] };
  runs: RunSpec[];
}

export const DEFAULT_SEED = 42;
const DEFAULT_MOMENTUM = 0.9;

/**
 * Turns flags and a preset into one RunSpec per worker. Every preset value is overridden by the flag
 * of the same name; unknown models are rejected here, before anything is loaded or written.
 */
export function planRuns(options: CliOptions, chosen: PresetChoiceResult, models: readonly ModelFacts[]): Plan {
  const { preset } = chosen;
  const mode = options.sweep ? 'sweep' : 'compare';
  const names = options.models ?? (mode === 'sweep' ? preset.sweep.models : preset.models);
  const known = new Map(models.map((m) => [m.name, m]));
  for (const name of names) {
    if (!known.has(name)) {
      throw badValue('--models', name, `one of ${models.map((m) => m.name).join(', ')}`);
    }
  }

  const base = names.map((name) => specFor(known.get(name)!, preset, mode, options));
  if (!options.sweep) return { preset, presetReason: chosen.reason, mode, runs: base };

  const { flag, values } = options.sweep;
  const runs = base.flatMap((spec) =>
    values.map((value): RunSpec => {
      if (flag === 'batch-size') return { ...spec, id: `${spec.model}@bs${value}`, batchSize: value };
      return { ...spec, id: `${spec.model}@lr${value}`, optimizer: { ...spec.optimizer, lr: value } };
    }),
  );
  return { preset, presetReason: chosen.reason, mode, sweep: { flag, values }, runs };
}

function specFor(model: ModelFacts, preset: Preset, mode: Plan['mode'], o: CliOptions): RunSpec {
  const defaults = model.training;
  const row: PresetRow = { ...(model.inputSize > SMALL_INPUT ? preset.large : {}), ...preset.rows?.[model.name] };
  // In a sweep every run gets the sweep's data and epochs, so that the values compete on equal terms.
  const scope = mode === 'sweep' ? preset.sweep : { epochs: row.epochs ?? preset.epochs, limitTrain: row.limitTrain ?? preset.limitTrain, limitTest: row.limitTest ?? preset.limitTest };
  const inputSize = o.resize ?? model.inputSize;
  if (inputSize < model.minInputSize) {
    throw badValue('--resize', inputSize, `at least ${model.minInputSize} for ${model.name} (its strides and pooling shrink a smaller image to nothing)`);
  }
  const name = (o.optimizer as OptimizerName | undefined) ?? defaults.optimizer;
  if (o.momentum !== undefined && name !== 'momentum') {
    throw badValue('--momentum', o.momentum, `--optimizer momentum with it (${model.name} trains with ${name}, which has no momentum)`);
  }
  const optimizer: OptimizerSpec = { name, lr: o.lr ?? row.lr ?? defaults.learningRate };
  if (name === 'momentum') optimizer.momentum = o.momentum ?? defaults.momentum ?? DEFAULT_MOMENTUM;
  const weightDecay = o.weightDecay ?? defaults.weightDecay;
  if (weightDecay) optimizer.weightDecay = weightDecay;
  if (defaults.lrSchedule === 'cosine') optimizer.lrSchedule = 'cosine';
  else if (defaults.lrDropEpochs !== undefined && defaults.lrDropEpochs.length > 0) optimizer.lrDropEpochs = [...defaults.lrDropEpochs];
  checkOptimizer(optimizer);
  const spec: RunSpec = {
    id: model.name,
    model: model.name,
    inputSize,
    batchSize: o.batchSize ?? row.batchSize ?? defaults.batchSize,
    epochs: o.epochs ?? scope.epochs ?? defaults.epochs,
    optimizer,
    seed: o.seed ?? DEFAULT_SEED,
  };
  if (defaults.augment !== undefined && (defaults.augment.flip === true || (defaults.augment.crop ?? 0) > 0)) spec.augment = { ...defaults.augment };
  const limitTrain = o.limitTrain ?? scope.limitTrain;
  const limitTest = o.limitTest ?? scope.limitTest;
  if (limitTrain !== undefined) spec.limitTrain = limitTrain;
  if (limitTest !== undefined) spec.limitTest = limitTest;
  // The preset's subset for a large model (see Preset.large) buys a speed figure, not an accuracy.
  if (mode === 'compare' && o.limitTrain === undefined && row.limitTrain !== undefined) {
    spec.costProbe = true;
  }
  return spec;
}

/** The flag each trainer optimizer option comes from, to word the trainer's own check as a CLI error. */
const OPTIMIZER_FLAGS: Record<string, string> = { lr: '--lr', momentum: '--momentum', weightDecay: '--weight-decay' };

/** The trainer's own checks of the optimizer, run now, before anything is loaded or written. */
function checkOptimizer(spec: OptimizerSpec): void {
  const { lrDropEpochs: _drops, lrSchedule: _schedule, ...options } = spec;
  try {
    resolveOptimizerOptions(options);
  } catch (err) {
    const match = /^optimizer\.(\w+) must be (.*), got (.*)$/.exec((err as Error).message);
    if (!match || !(match[1] in OPTIMIZER_FLAGS)) throw err;
    throw badValue(OPTIMIZER_FLAGS[match[1]], (options as Record<string, unknown>)[match[1]], match[2]);
  }
}

/** The learning rate of each step, as the trainer takes it: the trainer's own reading of the recipe. */
export function runLearningRate(run: Pick<RunSpec, 'optimizer' | 'epochs'>, batchesPerEpoch: number): number | LrSchedule {
  const { lr, lrSchedule, lrDropEpochs } = run.optimizer;
  return recipeLearningRate({ learningRate: lr, lrSchedule, lrDropEpochs }, batchesPerEpoch, run.epochs);
}

/** A run that would train on fewer examples than one batch would silently do nothing useful. */
export function checkAgainstData(plan: Plan, trainCount: number, testCount: number): void {
  for (const run of plan.runs) {
    if (run.limitTrain !== undefined && run.limitTrain > trainCount) {
      throw badValue('--limit-train', run.limitTrain, `at most ${trainCount}, the training set's size`);
    }
    if (run.limitTest !== undefined && run.limitTest > testCount) {
      throw badValue('--limit-test', run.limitTest, `at most ${testCount}, the test set's size`);
    }
  }
}
