import type { BenchMode, StepPolicy, Task, Workload } from './types';

/** The three workloads issue #7 names: LeNet and the mini AlexNet at 28 px, D2L's AlexNet at 224. */
export const DEFAULT_WORKLOADS: readonly Workload[] = [
  { model: 'lenet5-relu', batch: 128, inputSize: 28 },
  { model: 'alexnet-mini', batch: 128, inputSize: 28 },
  { model: 'alexnet', batch: 32, inputSize: 224 },
];

/** Every backend a run tries, each in its own process; those that cannot start are reported. */
export const DEFAULT_BACKENDS: readonly string[] = ['tensorflow', 'webgpu', 'onnxruntime', 'wasm', 'cpu'];

export const MODES: readonly BenchMode[] = ['train', 'infer'];

export const FULL_POLICY: StepPolicy = { warmup: 2, warmupMs: 2_000, budgetMs: 20_000, minSteps: 5, maxSteps: 60 };
export const QUICK_POLICY: StepPolicy = { warmup: 1, warmupMs: 300, budgetMs: 4_000, minSteps: 3, maxSteps: 5 };

/**
 * Batches TF.js's pure-JS `cpu` backend is timed at, per model and mode. Its filter gradient indexes
 * through TensorBuffer.get (a few million multiply-adds per second), so a LeNet training step at
 * batch 128 takes about half a minute and an AlexNet-224 one would take hours. Per-image cost of a
 * convolution does not depend on the batch, so a short step on a small batch, scaled, estimates the
 * full batch's throughput; rows measured this way are marked as estimates. `null`: not run.
 */
export const SLOW_BATCHES: Readonly<Record<string, Record<BenchMode, { quick: number | null; full: number | null }>>> = {
  'lenet5-relu': { train: { quick: 16, full: 32 }, infer: { quick: 128, full: 128 } },
  'alexnet-mini': { train: { quick: 4, full: 8 }, infer: { quick: 16, full: 32 } },
  // About 3 minutes per image for a training step on a quiet core: only the full run estimates it.
  alexnet: { train: { quick: null, full: 1 }, infer: { quick: 1, full: 2 } },
};

/** Backends timed on {@link SLOW_BATCHES}; WebGPU joins them when its adapter is software (lavapipe). */
export const SLOW_BACKENDS: readonly string[] = ['cpu'];

function slowBatch(workload: Workload, mode: BenchMode, quick: boolean): number | null {
  const row = SLOW_BATCHES[workload.model]?.[mode];
  const fallback = workload.inputSize >= 96 ? 1 : mode === 'train' ? 8 : 32;
  const batch = row === undefined ? fallback : quick ? row.quick : row.full;
  return batch === null ? null : Math.min(batch, workload.batch);
}

export interface PlanOptions {
  quick: boolean;
  modes?: readonly BenchMode[];
  /** Overrides the policy's warm-up: exactly this many steps, with no warm-up time. */
  warmup?: number;
  /** Overrides the policy's minimum timed steps (and raises the maximum to match). */
  steps?: number;
  /** Plan as for a slow backend whatever its name (a software WebGPU adapter). */
  slow?: boolean;
}

export function basePolicy(options: PlanOptions): StepPolicy {
  const policy = { ...(options.quick ? QUICK_POLICY : FULL_POLICY) };
  if (options.warmup !== undefined) {
    policy.warmup = options.warmup;
    policy.warmupMs = 0;
  }
  if (options.steps !== undefined) {
    policy.minSteps = options.steps;
    policy.maxSteps = Math.max(policy.maxSteps, options.steps);
  }
  return policy;
}

/** The measurements one backend's child process makes, in order. */
export function planTasks(backend: string, workloads: readonly Workload[], options: PlanOptions): Task[] {
  const policy = basePolicy(options);
  const modes = options.modes ?? MODES;
  const tasks: Task[] = [];
  for (const workload of workloads) {
    for (const mode of modes) {
      if (!(options.slow ?? SLOW_BACKENDS.includes(backend))) {
        tasks.push({ workload, mode, batch: workload.batch, policy });
        continue;
      }
      const batch = slowBatch(workload, mode, options.quick);
      if (batch === null) continue;
      const steps = options.quick ? 1 : 2;
      const shrunk = batch !== workload.batch;
      tasks.push({
        workload,
        mode,
        batch,
        // One warm-up step compiles a WebGPU adapter's shaders and JITs the JS kernels; skipped only
        // where one step costs minutes (AlexNet-224 training) and compilation is lost in it.
        policy: { warmup: mode === 'train' && workload.inputSize >= 96 ? 0 : 1, warmupMs: 0, budgetMs: 0, minSteps: steps, maxSteps: steps },
        estimateNote: shrunk
          ? `${backend} ${workload.model} ${mode}: estimated from ${steps} step${steps > 1 ? 's' : ''} at batch ${batch}, scaled to batch ${workload.batch}`
          : `${backend} ${workload.model} ${mode}: ${steps} timed step${steps > 1 ? 's' : ''} only`,
      });
    }
  }
  return tasks;
}

/** What a plan leaves out, as notes for the report. */
export function skippedTasks(backend: string, workloads: readonly Workload[], options: PlanOptions): string[] {
  if (!(options.slow ?? SLOW_BACKENDS.includes(backend))) return [];
  const modes = options.modes ?? MODES;
  return workloads.flatMap((w) =>
    modes
      .filter((mode) => slowBatch(w, mode, options.quick) === null)
      .map((mode) => `${backend} ${w.model} ${mode} not run under --quick (minutes per image on this backend); a full run estimates it`),
  );
}
