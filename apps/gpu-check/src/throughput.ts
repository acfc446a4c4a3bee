/** Training throughput of the zoo's D2L networks, timed with the trainer's own step. */
import * as tf from '@tensorflow/tfjs';
import { createModel } from '@zoo/models';
import { createTrainingStep } from '@zoo/trainer';

/** D2L's own figures (PyTorch, one GPU), from DESIGN.md. */
export const D2L_EXAMPLES_PER_SECOND = { alexnet: 3941.8, lenet5: 55296.6 } as const;

/** Parameter counts D2L prints for its full-size networks; the zoo's must match them. */
export const D2L_PARAMETERS = { alexnet: 46_764_746, lenet5: 61_706 } as const;

export type Network = keyof typeof D2L_EXAMPLES_PER_SECOND;

export interface ThroughputResult {
  model: Network;
  inputSize: number;
  width: number;
  batch: number;
  parameters: number;
  learningRate: number;
  warmupSteps: number;
  stepMs: number[];
  medianStepMs: number;
  examplesPerSecond: number;
  /** D2L's PyTorch figure; only meaningful for the full-size network at D2L's batch. */
  d2lPyTorchExamplesPerSecond: number;
  ratioToD2L: number;
  firstLoss: number;
  lastLoss: number;
  gpuBytesAfter?: number;
}

/**
 * The registry's network ending in logits (the trainer's step applies softmax inside its
 * cross-entropy, as D2L's PyTorch CrossEntropyLoss does); `width` scales AlexNet's every layer.
 */
export function buildNetwork(name: Network, inputSize: number, width = 1): tf.LayersModel {
  if (name === 'lenet5') return createModel('lenet5', { classifierActivation: 'linear' });
  const c = (n: number): number => Math.max(1, Math.round(n * width));
  return createModel('alexnet', {
    inputSize,
    classifierActivation: 'linear',
    ...(width === 1 ? {} : { filters: [96, 256, 384, 384, 256].map(c), units: [4096, 4096].map(c) }),
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface MeasureOptions {
  batch: number;
  learningRate: number;
  warmup: number;
  steps: number;
  width: number;
}

/**
 * Warm-up (shader compilation, buffer pools), then `steps` timed steps of `@zoo/trainer`'s training
 * step (SGD) on one synthetic batch. Reading the loss fences each step, since WebGPU runs
 * asynchronously.
 */
export async function measureTraining(name: Network, model: tf.LayersModel, o: MeasureOptions): Promise<ThroughputResult> {
  const [, size, , channels] = model.inputs[0].shape as number[];
  const xs = tf.randomUniform([o.batch, size, size, channels]);
  const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([o.batch], 0, 10, 'int32') as tf.Tensor1D, 10).toFloat());
  const { step: trainStep, optimizer } = createTrainingStep(model, { optimizer: { name: 'sgd', lr: o.learningRate } });
  let index = 0;
  const step = async (): Promise<number> => {
    const [loss, correct] = trainStep(xs, labels, o.learningRate, index++);
    const [value] = await loss.data();
    tf.dispose([loss, correct]);
    return value;
  };
  let firstLoss = NaN;
  for (let i = 0; i < o.warmup; i++) {
    const loss = await step();
    if (i === 0) firstLoss = loss;
  }
  const stepMs: number[] = [];
  let lastLoss = NaN;
  for (let i = 0; i < o.steps; i++) {
    const start = performance.now();
    lastLoss = await step();
    stepMs.push(performance.now() - start);
  }
  const gpuBytesAfter = (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU;
  tf.dispose([xs, labels]);
  optimizer.dispose();
  const medianStepMs = median(stepMs);
  const examplesPerSecond = (o.batch / medianStepMs) * 1000;
  const reference = D2L_EXAMPLES_PER_SECOND[name];
  return {
    model: name,
    inputSize: size,
    width: o.width,
    batch: o.batch,
    parameters: model.countParams(),
    learningRate: o.learningRate,
    warmupSteps: o.warmup,
    stepMs: stepMs.map((ms) => Math.round(ms * 100) / 100),
    medianStepMs: Math.round(medianStepMs * 100) / 100,
    examplesPerSecond: Number(examplesPerSecond.toPrecision(5)),
    d2lPyTorchExamplesPerSecond: reference,
    ratioToD2L: Math.round((examplesPerSecond / reference) * 1000) / 1000,
    firstLoss,
    lastLoss,
    gpuBytesAfter,
  };
}

/** What drawing AlexNet's two dropout masks costs on the host per step: TF.js draws them in JavaScript. */
export function dropoutMaskMs(batch: number, units: number): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    tf.dispose([tf.randomUniform([batch, units]), tf.randomUniform([batch, units])]);
    times.push(performance.now() - start);
  }
  return Math.round(median(times) * 100) / 100;
}
