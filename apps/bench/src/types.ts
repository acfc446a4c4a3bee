/** What one row of the benchmark measures. */
export type BenchMode = 'train' | 'infer';

/** A model at a batch size and input resolution, as the issue (#7) fixes them. */
export interface Workload {
  /** A `@zoo/models` name, e.g. `alexnet-mini`. */
  model: string;
  batch: number;
  /** Input height and width in pixels. */
  inputSize: number;
}

/** How many steps one measurement runs. */
export interface StepPolicy {
  /** Untimed steps first (allocation, JIT, kernel caches)... */
  warmup: number;
  /**
   * ...going on until this much time has passed too: V8 tiers JavaScript and wasm up over many
   * calls, and allocators and ORT's arenas settle. A LeNet step on wasm + onnxruntime took 13–34 ms
   * over its first 30 steps and 12–13 ms from the 40th (docs/performance.md, "Warm-up").
   */
  warmupMs: number;
  /** Aim for about this much timed work per measurement... */
  budgetMs: number;
  /** ...but never fewer timed steps than this... */
  minSteps: number;
  /** ...nor more. */
  maxSteps: number;
}

/**
 * One measurement to make on one backend. `batch` may be smaller than the workload's when a slow
 * backend is measured on a shrunk batch and its throughput extrapolated (`estimated` rows).
 */
export interface Task {
  workload: Workload;
  mode: BenchMode;
  batch: number;
  policy: StepPolicy;
  /** Why this task runs shrunk or short, when it does; copied onto its result. */
  estimateNote?: string;
}

/** A measurement's outcome. */
export interface BenchResult {
  /** `zoo` (TF.js via @zoo/models) or `pytorch` (the peer). */
  framework: 'zoo' | 'pytorch';
  /** The TF.js backend name, or `pytorch`. */
  backend: string;
  model: string;
  mode: BenchMode;
  /** The workload's batch: the one throughput is reported for. */
  batch: number;
  /** The batch actually run (smaller than `batch` when estimated). */
  measuredBatch: number;
  inputSize: number;
  /** Threads computing: the backend's own, times `replicas`. */
  threads: number;
  /** Data-parallel replicas (worker threads, one TF.js each) the batch was split across; 1 = none. */
  replicas: number;
  warmupSteps: number;
  timesMs: number[];
  medianMs: number;
  imagesPerSecond: number;
  /** Process CPU time of each timed step (all threads): see {@link BenchResult.imagesPerCpuSecond}. */
  cpuMs: number[];
  /**
   * Images per second of CPU time, from the median step CPU time. For one-thread runs it estimates the
   * quiet-machine throughput even when other processes compete for the cores; for multi-thread runs
   * it measures efficiency, not speed.
   */
  imagesPerCpuSecond: number;
  /** True when the throughput was extrapolated from a smaller batch or very few steps. */
  estimated: boolean;
  note?: string;
}

/** A measurement that could not be made, and why. */
export interface BenchFailure {
  framework: 'zoo' | 'pytorch';
  backend: string;
  model: string;
  mode: BenchMode;
  error: string;
}

/** What a backend child reports about itself. */
export interface BackendReport {
  /** The backend that was asked for. */
  requested: string;
  /** Did it start? */
  available: boolean;
  /** `describeBackend`'s line, or why it could not start. */
  description: string;
  /** Backend name actually active (may differ from requested only for `auto`). */
  name?: string;
  threads?: number;
  /** `gpu` only when kernels run on a GPU; `cpu` for a software WebGPU adapter too. */
  device?: string;
  /** Set when the child measured its slow plan because the device is software. */
  softwarePlan?: boolean;
  /** The `GLIBC_TUNABLES` the child started with, when set (see child-env.ts). */
  glibcTunables?: string;
  /** The Node flags the child started with (replica children: `DATA_PARALLEL_EXEC_ARGV`). */
  nodeFlags?: string;
}

/** The PyTorch side of a run. */
export interface PeerReport {
  available: boolean;
  /** `torch 1.13.0a0 via /usr/bin/python3`, or why the peer was skipped. */
  description: string;
  /** Thread counts it was run with (one run per count the zoo backends used). */
  threads: number[];
}

/** One line of the comparison table. */
export interface ComparisonRow {
  backend: string;
  model: string;
  mode: BenchMode;
  batch: number;
  inputSize: number;
  threads: number;
  replicas: number;
  imagesPerSecond: number;
  estimated: boolean;
  /** PyTorch's images/s at the same thread count, when the peer ran. */
  pytorchImagesPerSecond?: number;
  /** zoo / PyTorch. */
  ratioToPytorch?: number;
  /** zoo / PyTorch in images per CPU-second: the noise-resistant ratio for one-thread rows. */
  cpuTimeRatioToPytorch?: number;
  /** PyTorch's best images/s over the thread counts it ran (issue 12's peer: its best of 1 and 2 threads). */
  bestPytorchImagesPerSecond?: number;
  /** zoo / PyTorch's best. */
  ratioToBestPytorch?: number;
  /** This backend / TF.js's pure-JS `cpu` backend. */
  ratioToCpu?: number;
  /** The cpu figure `ratioToCpu` divides by was itself an estimate. */
  cpuEstimated?: boolean;
}

/** The content of `bench/results.json`. */
export interface BenchReport {
  schema: 1;
  createdAt: string;
  /** The command line that produced it, to rerun. */
  command: string;
  quick: boolean;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    platform: string;
    /** 1-minute load average before and after: a run on a busy machine says so. */
    loadAverage: { start: number; end: number };
  };
  backends: BackendReport[];
  pytorch: PeerReport;
  results: BenchResult[];
  failures: BenchFailure[];
  table: ComparisonRow[];
  notes: string[];
}
