/**
 * SGD, momentum and Adam with L2 weight decay in the gradient, written as `tf.Optimizer`s so that
 * their state round-trips through `getWeights()`/`setWeights()`.
 *
 * Why not TF.js's own: its momentum keeps `acc ← μ·acc + g` and steps `w ← w − lr·acc`, which equals
 * the paper's `v ← μ·v − lr·(g + wd·w)`, `w ← w + v` only while lr is constant; its Adam restores
 * the bias-correction powers with `pow` after a resume but accumulates them by repeated
 * multiplication before, so a resumed run drifts from an uninterrupted one in the last bits; and
 * `MomentumOptimizer.dispose` leaks its learning-rate scalar. Here every update is a function of
 * the weights, the slots and the step count alone.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerName } from '@zoo/layers';
import { describeLr, type LrSchedule, type LrScheduleDescription } from './schedules';

/** A tensor with a name, as `tf.Optimizer.getWeights` returns them. */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** The optimizers the trainer knows: the list the registry's recipes name (`@zoo/layers`). */
export type { OptimizerName };

/** The `optimizer` option of `train`. */
export interface OptimizerOptions {
  /** `'sgd'`, `'momentum'` or `'adam'`. No default. */
  name: OptimizerName;
  /** Learning rate, or a schedule of the global step (0-based); see `piecewiseConstant`, `cosineDecay`. No default. */
  lr: number | LrSchedule;
  /**
   * Momentum μ, only for `'momentum'`, in the paper's velocity form:
   * `v ← μ·v − lr·(g + wd·w)`, `w ← w + v`. Default 0.9.
   */
  momentum?: number;
  /**
   * L2 weight decay added to the gradient of every trainable weight, biases included, as in the
   * AlexNet paper and torch.optim's `weight_decay`: `g ← g + wd·w`, so plain SGD does
   * `w ← w − lr·(g + wd·w)`. For Adam this is L2 in the gradient, not AdamW. Default 0.
   */
  weightDecay?: number;
  /** Adam's β1, only for `'adam'`. Default 0.9. */
  beta1?: number;
  /** Adam's β2, only for `'adam'`. Default 0.999. */
  beta2?: number;
  /** Adam's ε, added to `sqrt(v̂)`, only for `'adam'`. Default 1e-8 (PyTorch's; TF.js defaults to the backend's epsilon). */
  epsilon?: number;
}

/** The optimizer part of a run's config: every default filled in, the schedule described. */
export interface ResolvedOptimizerConfig {
  readonly name: OptimizerName;
  readonly lr: number | LrScheduleDescription;
  readonly weightDecay: number;
  readonly momentum?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

const OPTIMIZER_KEYS: Record<OptimizerName, readonly string[]> = {
  sgd: ['name', 'lr', 'weightDecay'],
  momentum: ['name', 'lr', 'weightDecay', 'momentum'],
  adam: ['name', 'lr', 'weightDecay', 'beta1', 'beta2', 'epsilon'],
};

function checkRange(key: string, value: unknown, min: number, max: number, maxInclusive: boolean): number {
  const ok =
    typeof value === 'number' && Number.isFinite(value) && value >= min && (maxInclusive ? value <= max : value < max);
  if (!ok) {
    throw new RangeError(
      `optimizer.${key} must be a number in [${min}, ${max}${maxInclusive ? ']' : ')'}, got ${String(value)}`,
    );
  }
  return value as number;
}

/** Checks `options` and fills in the defaults. */
export function resolveOptimizerOptions(options: OptimizerOptions): ResolvedOptimizerConfig {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`optimizer must be an object like { name: 'sgd', lr: 0.01 }, got ${String(options)}`);
  }
  const name = options.name;
  if (!(name in OPTIMIZER_KEYS)) {
    throw new RangeError(`optimizer.name must be one of 'sgd', 'momentum', 'adam', got ${JSON.stringify(name)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTIMIZER_KEYS[name].includes(key)) {
      throw new RangeError(
        `optimizer.${key} does not apply to optimizer '${name}'; its options are ${OPTIMIZER_KEYS[name].join(', ')}`,
      );
    }
  }
  const lr = options.lr;
  if (typeof lr === 'number') {
    checkRange('lr', lr, 0, Infinity, false);
  } else if (typeof lr !== 'function') {
    throw new TypeError(`optimizer.lr must be a number or a function of the step, got ${String(lr)}`);
  }
  const weightDecay = checkRange('weightDecay', options.weightDecay ?? 0, 0, Infinity, false);
  const base = { name, lr: describeLr(lr), weightDecay };
  switch (name) {
    case 'sgd':
      return base;
    case 'momentum':
      return { ...base, momentum: checkRange('momentum', options.momentum ?? 0.9, 0, 1, false) };
    case 'adam':
      return {
        ...base,
        beta1: checkRange('beta1', options.beta1 ?? 0.9, 0, 1, false),
        beta2: checkRange('beta2', options.beta2 ?? 0.999, 0, 1, false),
        epsilon: checkRange('epsilon', options.epsilon ?? 1e-8, Number.MIN_VALUE, Infinity, false),
      };
  }
}

/**
 * Base of the trainer's optimizers: per-variable slots (velocity, Adam moments) kept in the order
 * the gradients arrive in, a learning rate the trainer sets before each step, and weight decay.
 */
export abstract class TrainerOptimizer extends tf.Optimizer {
  /** Learning rate of the next `applyGradients`. */
  learningRate: number;
  /** L2 weight decay added to each gradient. */
  readonly weightDecay: number;
  /** Names of the per-variable slots, e.g. `['velocity']`. */
  abstract readonly slotNames: readonly string[];
  private slots: tf.Variable[][] = [];
  private slotOwners: string[] = [];

  constructor(learningRate: number, weightDecay: number) {
    super();
    this.learningRate = learningRate;
    this.weightDecay = weightDecay;
  }

  /** Sets the learning rate used by the next steps. */
  setLearningRate(learningRate: number): void {
    this.learningRate = learningRate;
  }

  /** One update of `w` given its (decayed) gradient `g`, its slots and the 1-based step `t`; runs inside a tidy. */
  protected abstract update(w: tf.Variable, g: tf.Tensor, slots: readonly tf.Variable[], t: number): void;

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    const t = this.iterations + 1;
    list.forEach(({ name, tensor }, i) => {
      const variable = tf.engine().registeredVariables[name];
      if (variable === undefined) throw new Error(`applyGradients: no variable named ${JSON.stringify(name)}`);
      if (this.slots[i] === undefined) {
        this.slots[i] = this.slotNames.map(() => tf.tidy(() => tf.zerosLike(variable).variable(false)));
        this.slotOwners[i] = name;
      } else if (!tf.util.arraysEqual(this.slots[i][0]?.shape ?? variable.shape, variable.shape)) {
        throw new Error(
          `optimizer state #${i} has shape [${this.slots[i][0].shape}] but variable ${name} has shape ` +
            `[${variable.shape}]: the state belongs to another model`,
        );
      }
      if (tensor == null) return;
      tf.tidy(() => {
        const g = this.weightDecay > 0 ? tf.add(tensor, tf.mul(variable, this.weightDecay)) : tensor;
        this.update(variable, g, this.slots[i], t);
      });
    });
    this.incrementIterations();
  }

  /** `[iter, then each variable's slots in order]`; `iter` is a new tensor the caller disposes, the slots are live. */
  override async getWeights(): Promise<NamedTensor[]> {
    const slots = this.slots.flatMap((vars, i) =>
      vars.map((tensor, j) => ({ name: `${this.slotOwners[i]}/${this.slotNames[j]}`, tensor })),
    );
    return [await this.saveIterations(), ...slots];
  }

  /** Restores what `getWeights` returned; the slots copy the given tensors' data, which the caller still owns. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const perVariable = this.slotNames.length;
    if (perVariable === 0 ? rest.length !== 0 : rest.length % perVariable !== 0) {
      throw new Error(
        `${this.getClassName()} state must hold ${perVariable} slot(s) per variable after 'iter', got ${rest.length} tensors`,
      );
    }
    this.disposeSlots();
    for (let i = 0; i * perVariable < rest.length; i++) {
      const group = rest.slice(i * perVariable, (i + 1) * perVariable);
      this.slots.push(group.map((s) => tf.variable(s.tensor, false)));
      this.slotOwners.push(group[0].name.slice(0, group[0].name.lastIndexOf('/')));
    }
  }

  override dispose(): void {
    this.disposeSlots();
    super.dispose();
  }

  private disposeSlots(): void {
    for (const vars of this.slots) for (const v of vars) v.dispose();
    this.slots = [];
    this.slotOwners = [];
  }
}

/** Plain SGD: `w ← w − lr·(g + wd·w)`. */
export class SgdOptimizer extends TrainerOptimizer {
  static readonly className = 'ZooSGD';
  readonly slotNames = [] as const;
  protected update(w: tf.Variable, g: tf.Tensor): void {
    w.assign(tf.sub(w, tf.mul(g, this.learningRate)));
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, weightDecay: this.weightDecay };
  }
}

/** Momentum in the AlexNet paper's form: `v ← μ·v − lr·(g + wd·w)`, `w ← w + v`. */
export class MomentumOptimizer extends TrainerOptimizer {
  static readonly className = 'ZooMomentum';
  readonly slotNames = ['velocity'] as const;
  constructor(
    learningRate: number,
    readonly momentum: number,
    weightDecay: number,
  ) {
    super(learningRate, weightDecay);
  }
  protected update(w: tf.Variable, g: tf.Tensor, [v]: readonly tf.Variable[]): void {
    const next = tf.sub(tf.mul(v, this.momentum), tf.mul(g, this.learningRate));
    v.assign(next);
    w.assign(tf.add(w, next));
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum, weightDecay: this.weightDecay };
  }
}

/** Adam (Kingma & Ba, 2015) with bias correction computed from the step count. */
export class AdamOptimizer extends TrainerOptimizer {
  static readonly className = 'ZooAdam';
  readonly slotNames = ['m', 'v'] as const;
  constructor(
    learningRate: number,
    readonly beta1: number,
    readonly beta2: number,
    readonly epsilon: number,
    weightDecay: number,
  ) {
    super(learningRate, weightDecay);
  }
  protected update(w: tf.Variable, g: tf.Tensor, [m, v]: readonly tf.Variable[], t: number): void {
    const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
    const v1 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    m.assign(m1);
    v.assign(v1);
    const mHat = tf.div(m1, 1 - this.beta1 ** t);
    const vHat = tf.div(v1, 1 - this.beta2 ** t);
    w.assign(tf.sub(w, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), this.learningRate)));
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
    };
  }
}

/** A fresh optimizer for a resolved config, at learning rate `initialLr`. */
export function createOptimizer(config: ResolvedOptimizerConfig, initialLr: number): TrainerOptimizer {
  switch (config.name) {
    case 'sgd':
      return new SgdOptimizer(initialLr, config.weightDecay);
    case 'momentum':
      return new MomentumOptimizer(initialLr, config.momentum ?? 0.9, config.weightDecay);
    case 'adam':
      return new AdamOptimizer(
        initialLr,
        config.beta1 ?? 0.9,
        config.beta2 ?? 0.999,
        config.epsilon ?? 1e-8,
        config.weightDecay,
      );
  }
}
