/**
 * The one training step: what `train` runs for every batch, exported so that benchmarks time the
 * same step the trainer trains with (loss, optimizer, seeded dropout), not an imitation of it. It is
 * two halves, gradients then update, so that data-parallel replicas can average the gradients of
 * their slices between the two and still run the trainer's step.
 */
import * as tf from '@tensorflow/tfjs';
import { classifierHead, countCorrect, type ClassifierHead, type LossFrom } from './loss';
import { createOptimizer, resolveOptimizerOptions, type OptimizerOptions, type TrainerOptimizer } from './optimizers';
import type { ReplicaRecipe } from './parallel';
import { stepSeed, withSeededMathRandom } from './seeded-random';

/**
 * One optimizer step on a batch: `xs` the inputs, `ys` one-hot labels, `lr` the learning rate of
 * this step, `step` its index (which seeds dropout). Returns the batch's mean loss and its number of
 * correct predictions, as scalars the caller disposes.
 */
export type TrainingStep = (xs: tf.Tensor, ys: tf.Tensor, lr: number, step: number) => [tf.Scalar, tf.Scalar];

/** The first half of a {@link TrainingStep}: what the batch says, before any weight changes. */
export interface StepGradients {
  /** The batch's mean loss (without the layer regularizers, as `train` reports it). */
  loss: tf.Scalar;
  /** Correct predictions in the batch. */
  correct: tf.Scalar;
  /** The gradient of the loss plus the layer regularizers for each trainable variable, in their order. */
  grads: tf.Tensor[];
}

/** Forward, loss and gradients of a batch, dropout seeded by the step index; the caller disposes the result. */
export type GradientStep = (xs: tf.Tensor, ys: tf.Tensor, step: number) => StepGradients;

/** The second half: one optimizer update at rate `lr` from `grads` (in the order of the trainable variables). */
export type ApplyGradients = (grads: readonly tf.Tensor[], lr: number) => void;

/** The model's trainable weights as variables of this TF.js. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  const vars = model.trainableWeights.map((w) => {
    const v = w.read();
    if (!(v instanceof tf.Variable)) {
      throw new TypeError(
        `weight ${w.name} is not a tf.Variable of the @tensorflow/tfjs the trainer uses: the model was built with another copy of TF.js`,
      );
    }
    return v;
  });
  if (vars.length === 0) throw new RangeError(`model ${model.name} has no trainable weights`);
  return vars;
}

/** What {@link trainingStep} is made from; `train` builds these from its options. */
export interface TrainingStepParts {
  model: tf.LayersModel;
  head: ClassifierHead;
  trainable: readonly tf.Variable[];
  optimizer: TrainerOptimizer;
  /** Seed of the per-step RNG that dropout draws from. */
  seed: number;
}

/**
 * The first half of `train`'s step: forward in training mode, mean cross-entropy (plus any layer
 * regularizers), gradients with tf.variableGrads. Synchronous, so the seeded Math.random cannot
 * leak to other code.
 */
export function gradientStep({ model, head, trainable, seed }: Omit<TrainingStepParts, 'optimizer'>): GradientStep {
  const variables = [...trainable];
  return (xs, ys, step) =>
    withSeededMathRandom(stepSeed(seed, step), () =>
      tf.tidy(() => {
        // Loss and accuracy come out of the forward pass that the gradient tape runs; keep() lets them outlive it.
        const kept: tf.Scalar[] = [];
        const { grads } = tf.variableGrads(() => {
          const outputs = head.forward(xs, true);
          const loss = tf.mean(head.perExampleLoss(outputs, ys)) as tf.Scalar;
          kept.push(tf.keep(loss), tf.keep(countCorrect(outputs, ys)));
          const regularizers = model.calculateLosses();
          return regularizers.length === 0 ? loss : (tf.addN([loss, ...regularizers]) as tf.Scalar);
        }, variables);
        // A variable the loss does not reach gets a zero gradient, so every update sees every variable.
        return { loss: kept[0], correct: kept[1], grads: variables.map((v) => grads[v.name] ?? tf.zerosLike(v)) };
      }),
    );
}

/** The second half of `train`'s step: `optimizer`'s update of `trainable` from their gradients. */
export function gradientUpdate(optimizer: TrainerOptimizer, trainable: readonly tf.Variable[]): ApplyGradients {
  const variables = [...trainable];
  return (grads, lr) => {
    if (grads.length !== variables.length) {
      throw new RangeError(`applyGradients: expected ${variables.length} gradients (one per trainable variable), got ${grads.length}`);
    }
    optimizer.setLearningRate(lr);
    optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: grads[i] })));
  };
}

/** The step `train` runs: {@link gradientStep}, then {@link gradientUpdate}. */
export function trainingStep(parts: TrainingStepParts): TrainingStep {
  const compute = gradientStep(parts);
  const apply = gradientUpdate(parts.optimizer, parts.trainable);
  return (xs, ys, lr, step) =>
    tf.tidy(() => {
      const { loss, correct, grads } = compute(xs, ys, step);
      apply(grads, lr);
      return [loss, correct];
    });
}

/** Options of {@link createTrainingStep}. */
export interface CreateTrainingStepOptions {
  optimizer: OptimizerOptions;
  /** Default 0. */
  seed?: number;
  /** Default `'auto'`; see `TrainOptions.lossFrom`. */
  lossFrom?: LossFrom;
}

/** `train`'s step for one model outside the training loop, whole and in its two halves. */
export interface CreatedTrainingStep {
  step: TrainingStep;
  /** The step's first half, for replicas that average gradients before updating. */
  computeGradients: GradientStep;
  /** The step's second half, on the same optimizer as `step`. */
  applyGradients: ApplyGradients;
  /** Disposed by the caller. */
  optimizer: TrainerOptimizer;
  /** What the step is made of and how it was resolved: what a data-parallel group attaches to. */
  parts: TrainingStepParts;
  recipe: ReplicaRecipe;
}

/**
 * `train`'s step for `model`, with a fresh optimizer, outside the training loop (for benchmarks and
 * data-parallel replicas). A learning-rate schedule is not evaluated here: pass each step's rate.
 */
export function createTrainingStep(model: tf.LayersModel, options: CreateTrainingStepOptions): CreatedTrainingStep {
  const config = resolveOptimizerOptions(options.optimizer);
  const lr = typeof options.optimizer.lr === 'number' ? options.optimizer.lr : 0;
  const optimizer = createOptimizer(config, lr);
  const parts: TrainingStepParts = {
    model,
    head: classifierHead(model, options.lossFrom ?? 'auto'),
    trainable: trainableVariables(model),
    optimizer,
    seed: options.seed ?? 0,
  };
  return {
    step: trainingStep(parts),
    computeGradients: gradientStep(parts),
    applyGradients: gradientUpdate(optimizer, parts.trainable),
    optimizer,
    parts,
    recipe: { lossFrom: options.lossFrom ?? 'auto', optimizer: config },
  };
}
