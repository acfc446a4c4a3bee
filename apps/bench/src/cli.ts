import { Command, InvalidArgumentError } from 'commander';
import { MAX_WASM_THREADS } from '@zoo/backend';
import { DEFAULT_BACKENDS, DEFAULT_WORKLOADS, MODES } from './plan';
import type { BenchMode, Workload } from './types';

/** Everything one `pnpm bench` run is asked to do. */
export interface BenchOptions {
  /** Fewer steps, and the pure-JS backend's AlexNet-224 rows estimated from a shrunk batch. */
  quick: boolean;
  /** Backends to try, each in its own process. Default: tensorflow, webgpu, wasm, cpu. */
  backends: string[];
  /** Workloads to run. Default: lenet5-relu and alexnet-mini (batch 128, 28 px), alexnet (batch 32, 224 px). */
  workloads: Workload[];
  /** Default: train and infer. */
  modes: BenchMode[];
  /** Warm-up steps before timing. Default: 2 (1 with --quick). */
  warmup?: number;
  /** Minimum timed steps. Default: 5 (3 with --quick); more while under the time budget. */
  steps?: number;
  /** Run the PyTorch peer. Default: true. */
  pytorch: boolean;
  /** Interpreter with torch. Default: $ZOO_BENCH_PYTHON, else /usr/bin/python3. */
  python: string;
  /** PyTorch thread counts; default: the thread counts the zoo backends used. */
  torchThreads?: number[];
  /** Where the JSON report goes. Default: bench/results.json at the repository root. */
  out: string;
  /** Profile one training step per model with tf.profile. Default: false. */
  profile: boolean;
  /** SGD learning rate of the timed steps. Default: 0.01. */
  learningRate: number;
  /**
   * Data-parallel replica counts of the training rows on wasm and onnxruntime (the trainer's
   * `startDataParallel`: one worker thread, TF.js and backend thread each), the other way than
   * backend threads to use several cores. Default: 1 and the number of cores (just 1 on a one-core
   * machine).
   */
  replicas: number[];
  /**
   * wasm thread counts, each in its own child process (a wasm thread pool is fixed at start),
   * passed to `initBackend({ threads })`. Default: 1 and the number of cores, at most
   * MAX_WASM_THREADS (initBackend's own default).
   */
  wasmThreads: number[];
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

function positiveInt(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}; received '${value}'`);
    return n;
  };
}

/** Parses `pnpm bench` arguments (without node and script); throws a CommanderError on bad input. */
export function parseBenchArgs(argv: readonly string[], defaults: { out: string; python: string; cores: number }): BenchOptions {
  const known = DEFAULT_WORKLOADS.map((w) => w.model);
  const program = new Command('bench')
    .description('Training and inference throughput of the zoo models on every backend here, against PyTorch')
    .option('--quick', 'a short run: fewer steps; slow backends (pure-JS cpu, software WebGPU) on smaller batches, AlexNet-224 training on them skipped', false)
    .option('--backends <list>', `comma-separated backends to try (${DEFAULT_BACKENDS.join(',')})`, list, [...DEFAULT_BACKENDS])
    .option('--models <list>', `comma-separated models (${known.join(',')})`, list, known)
    .option('--modes <list>', `train, infer or both`, list, [...MODES])
    .option('--batch <n>', 'override every workload batch size', positiveInt('--batch', 1))
    .option('--warmup <n>', 'exactly this many warm-up steps before timing (default: 2, and at least 2 s)', positiveInt('--warmup', 0))
    .option('--steps <n>', 'minimum timed steps', positiveInt('--steps', 1))
    .option('--no-pytorch', 'skip the PyTorch peer')
    .option('--python <path>', 'Python interpreter with torch', defaults.python)
    .option('--torch-threads <list>', 'PyTorch thread counts (default: those the zoo backends use)', (v: string) =>
      list(v).map(positiveInt('--torch-threads', 1)),
    )
    .option('--out <file>', 'where to write the JSON report', defaults.out)
    .option('--profile', 'profile one training step per model (tf.profile) and print where time goes', false)
    .option('--replicas <list>', 'data-parallel replica counts for training on wasm and onnxruntime (default: 1 and the core count)', (v: string) =>
      list(v).map(positiveInt('--replicas', 1)),
    )
    .option('--wasm-threads <list>', 'wasm thread counts, one child each (default: 1 and the core count)', (v: string) =>
      list(v).map(positiveInt('--wasm-threads', 1)),
    )
    .option('--lr <x>', 'SGD learning rate', (v: string) => {
      const n = Number(v);
      if (!(n > 0)) throw new InvalidArgumentError(`--lr must be a positive number; received '${v}'`);
      return n;
    }, 0.01)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .allowExcessArguments(false);
  program.parse([...argv], { from: 'user' });
  const o = program.opts<{
    quick: boolean;
    backends: string[];
    models: string[];
    modes: string[];
    batch?: number;
    warmup?: number;
    steps?: number;
    pytorch: boolean;
    python: string;
    torchThreads?: number[];
    out: string;
    profile: boolean;
    lr: number;
    replicas?: number[];
    wasmThreads?: number[];
  }>();
  const unknownModel = o.models.find((m) => !known.includes(m));
  if (unknownModel !== undefined) {
    throw new InvalidArgumentError(`--models: unknown model '${unknownModel}'; expected some of ${known.join(', ')}`);
  }
  const badMode = o.modes.find((m) => !(MODES as readonly string[]).includes(m));
  if (badMode !== undefined) throw new InvalidArgumentError(`--modes: unknown mode '${badMode}'; expected train, infer`);
  if (o.backends.length === 0) throw new InvalidArgumentError('--backends: expected at least one backend');
  const workloads = DEFAULT_WORKLOADS.filter((w) => o.models.includes(w.model)).map((w) => ({
    ...w,
    batch: o.batch ?? w.batch,
  }));
  return {
    quick: o.quick,
    backends: o.backends,
    workloads,
    modes: o.modes as BenchMode[],
    ...(o.warmup !== undefined ? { warmup: o.warmup } : {}),
    ...(o.steps !== undefined ? { steps: o.steps } : {}),
    pytorch: o.pytorch,
    python: o.python,
    ...(o.torchThreads !== undefined ? { torchThreads: o.torchThreads } : {}),
    out: o.out,
    profile: o.profile,
    learningRate: o.lr,
    replicas: [...new Set(o.replicas ?? [1, defaults.cores])],
    wasmThreads: [...new Set(o.wasmThreads ?? [1, Math.min(defaults.cores, MAX_WASM_THREADS)])],
  };
}
