import * as tf from '@tensorflow/tfjs';
import { createTrainingStep } from '@zoo/trainer';
import { wantAnotherStep, wantAnotherWarmupStep } from './stats';
import type { BenchMode, StepPolicy } from './types';

/** One step of work, resolved when its result is known (the fence). */
export type Step = () => Promise<void>;

/** Inputs and labels made once, before timing: the data pipeline is not what is measured. */
export interface Batch {
  xs: tf.Tensor4D;
  labels: tf.Tensor2D;
}

export function syntheticBatch(model: tf.LayersModel, batch: number): Batch {
  const [, h, w, c] = model.inputs[0].shape as number[];
  const classes = (model.outputs[0].shape as number[])[1];
  return tf.tidy(() => ({
    xs: tf.randomUniform([batch, h, w, c]) as tf.Tensor4D,
    labels: tf.oneHot(tf.randomUniform([batch], 0, classes, 'int32') as tf.Tensor1D, classes).toFloat() as tf.Tensor2D,
  }));
}

/**
 * The trainer's own step (`@zoo/trainer`'s `trainingStep`, the one its loop runs): forward in
 * training mode with dropout seeded per step, mean softmax cross-entropy from the logits, gradients,
 * the trainer's SGD update; it also counts correct predictions, as in training. The one read is the
 * loss at the end, which fences the timing on asynchronous backends (wasm and cpu run each kernel
 * synchronously anyway).
 */
export function trainStep(model: tf.LayersModel, data: Batch, learningRate: number): Step {
  const { step } = createTrainingStep(model, { optimizer: { name: 'sgd', lr: learningRate } });
  let index = 0;
  return async () => {
    const [loss, correct] = step(data.xs, data.labels, learningRate, index++);
    await loss.data();
    tf.dispose([loss, correct]);
  };
}

/** A forward pass in inference mode, fenced by reading the logits. */
export function inferStep(model: tf.LayersModel, data: Batch): Step {
  return async () => {
    const logits = tf.tidy(() => model.apply(data.xs, { training: false }) as tf.Tensor);
    await logits.data();
    logits.dispose();
  };
}

export function makeStep(mode: BenchMode, model: tf.LayersModel, data: Batch, learningRate: number): Step {
  return mode === 'train' ? trainStep(model, data, learningRate) : inferStep(model, data);
}

export interface Timing {
  warmupSteps: number;
  timesMs: number[];
  /**
   * Process CPU time (user + system, all threads) of each timed step. On a shared machine it is
   * what the step would take alone, as long as it computes on one thread.
   */
  cpuMs: number[];
  /** Tensors alive after the last step minus before the first timed one: a leak shows as > 0. */
  leakedTensors: number;
}

/** Warm-up (steps and time), then timed steps by the policy; each step is timed by the wall clock around it. */
export async function timeSteps(step: Step, policy: StepPolicy): Promise<Timing> {
  let warmupSteps = 0;
  const warmupStart = performance.now();
  while (wantAnotherWarmupStep(warmupSteps, performance.now() - warmupStart, policy)) {
    await step();
    warmupSteps++;
  }
  const before = tf.memory().numTensors;
  const timesMs: number[] = [];
  const cpuMs: number[] = [];
  while (wantAnotherStep(timesMs, policy)) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await step();
    timesMs.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    cpuMs.push((used.user + used.system) / 1000);
  }
  return { warmupSteps, timesMs, cpuMs, leakedTensors: tf.memory().numTensors - before };
}

/** Kernel time of one step, summed by kernel name, largest first. */
export interface KernelShare {
  kernel: string;
  ms: number;
  calls: number;
  /** Of the summed kernel time. */
  share: number;
}

export interface StepProfile {
  /** Wall time of the profiled step. */
  wallMs: number;
  /** CPU time of all its kernels. */
  kernelMs: number;
  kernels: KernelShare[];
}

function cpuNowMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * `tf.profile` of one step: where its time goes, by kernel. Kernel times are process CPU time:
 * TF.js times kernels with `env().platform.now()`, which is swapped for a CPU clock meanwhile, so a
 * profile taken while other jobs share the cores still shows the kernels' own cost (exact for
 * one-thread backends, which are the only ones profiled).
 */
export async function profileStep(step: Step): Promise<StepProfile> {
  const platform = tf.env().platform as { now(): number };
  const wallClock = platform.now;
  platform.now = cpuNowMs;
  const start = performance.now();
  let info: Awaited<ReturnType<typeof tf.profile>>;
  try {
    info = await tf.profile(step);
  } finally {
    platform.now = wallClock;
  }
  const wallMs = performance.now() - start;
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const entry = byName.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byName.set(k.name, entry);
  }
  const kernelMs = [...byName.values()].reduce((a, b) => a + b.ms, 0);
  const kernels = [...byName.entries()]
    .map(([kernel, { ms, calls }]) => ({ kernel, ms, calls, share: kernelMs > 0 ? ms / kernelMs : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { wallMs, kernelMs, kernels };
}
