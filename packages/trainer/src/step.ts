/**
 * The one training step: what `train` runs for every batch, exported so that benchmarks time the
 * same step the trainer trains with (loss, optimizer, seeded dropout), not an imitation of it.
 */
import * as tf from '@tensorflow/tfjs';
import { classifierHead, countCorrect, type ClassifierHead, type LossFrom } from './loss';
import { createOptimizer, resolveOptimizerOptions, type OptimizerOptions, type TrainerOptimizer } from './optimizers';
import { stepSeed, withSeededMathRandom } from './seeded-random';

/**
 * One optimizer step on a batch: `xs` the inputs, `ys` one-hot labels, `lr` the learning rate of
 * this step, `step` its index (which seeds dropout). Returns the batch's mean loss and its number of
 * correct predictions, as scalars the caller disposes.
 */
export type TrainingStep = (xs: tf.Tensor, ys: tf.Tensor, lr: number, step: number) => [tf.Scalar, tf.Scalar];

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
 * The step `train` runs: forward in training mode, mean cross-entropy (plus any layer
 * regularizers), gradients with tf.variableGrads, one optimizer update. Synchronous, so the
 * seeded Math.random cannot leak to other code.
 */
export function trainingStep({ model, head, trainable, optimizer, seed }: TrainingStepParts): TrainingStep {
  const variables = [...trainable];
  return (xs, ys, lr, step) => {
    optimizer.setLearningRate(lr);
    return withSeededMathRandom(stepSeed(seed, step), () =>
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
        optimizer.applyGradients(variables.map((v) => ({ name: v.name, tensor: grads[v.name] ?? tf.zerosLike(v) })));
        return [kept[0], kept[1]];
      }),
    );
  };
}

/** Options of {@link createTrainingStep}. */
export interface CreateTrainingStepOptions {
  optimizer: OptimizerOptions;
  /** Default 0. */
  seed?: number;
  /** Default `'auto'`; see `TrainOptions.lossFrom`. */
  lossFrom?: LossFrom;
}

/**
 * `train`'s step for `model`, with a fresh optimizer, outside the training loop (for benchmarks).
 * A learning-rate schedule is not evaluated here: pass each step's rate to the step.
 * @returns the step and its optimizer, which the caller disposes.
 */
export function createTrainingStep(model: tf.LayersModel, options: CreateTrainingStepOptions): { step: TrainingStep; optimizer: TrainerOptimizer } {
  const config = resolveOptimizerOptions(options.optimizer);
  const lr = typeof options.optimizer.lr === 'number' ? options.optimizer.lr : 0;
  const optimizer = createOptimizer(config, lr);
  const step = trainingStep({
    model,
    head: classifierHead(model, options.lossFrom ?? 'auto'),
    trainable: trainableVariables(model),
    optimizer,
    seed: options.seed ?? 0,
  });
  return { step, optimizer };
}
