import { cpus, loadavg, totalmem } from 'node:os';
import type { BenchOptions } from './cli';
import { basePolicy, planTasks, skippedTasks } from './plan';
import type { ChildJob, ChildMessage, ProfileReport } from './protocol';
import type { PeerJob, PeerRun, ProbeResult } from './pytorch';
import { compare } from './table';
import type { TorchModelSpec } from './torch-spec';
import type { BackendReport, BenchFailure, BenchReport, BenchResult } from './types';

/** The side effects of a run, injected so the orchestration is testable without TF.js or Python. */
export interface BenchDeps {
  /** Runs one backend's job in its own process, delivering its messages as they come. */
  runChild(job: ChildJob, onMessage: (message: ChildMessage) => void): Promise<void>;
  probePytorch(python: string): Promise<ProbeResult>;
  runPeer(job: PeerJob, onProgress: (line: string) => void): Promise<PeerRun>;
  log(line: string): void;
  /** Defaults to the real clock and machine; tests pin them. */
  now?: () => Date;
  loadAverage?: () => number;
}

export interface FullReport extends BenchReport {
  profiles: ProfileReport[];
}

/**
 * One child process per backend, and for wasm one per thread count: a wasm module's thread pool is
 * fixed when it starts. Data-parallel replicas (one backend thread each) run in one-thread children
 * of their own, which start with the Node flags compare gives a model trained as replicas
 * (`DATA_PARALLEL_EXEC_ARGV`: V8 reads them only at start).
 */
export function childRuns(options: Pick<BenchOptions, 'backends' | 'replicas' | 'wasmThreads'>): { backend: string; wasmThreads: number; replicas: number[] }[] {
  const threaded = (backend: string) =>
    options.wasmThreads.flatMap((wasmThreads) =>
      wasmThreads === 1
        ? [
            ...(options.replicas.includes(1) ? [{ backend, wasmThreads, replicas: [1] }] : []),
            ...options.replicas.filter((r) => r > 1).map((r) => ({ backend, wasmThreads, replicas: [r] })),
          ]
        : [{ backend, wasmThreads, replicas: [1] }],
    );
  // ONNX Runtime's intra-op pool takes the same thread counts (wasm itself runs on one there).
  return options.backends.flatMap((backend) => (backend === 'wasm' || backend === 'onnxruntime' ? threaded(backend) : [{ backend, wasmThreads: 1, replicas: [1] }]));
}

/** Runs every backend, then the PyTorch peer at each thread count they used; returns the report. */
export async function runBench(options: BenchOptions, command: string, deps: BenchDeps): Promise<FullReport> {
  const load = deps.loadAverage ?? (() => loadavg()[0]);
  const now = deps.now ?? (() => new Date());
  const loadStart = load();
  const backends: BackendReport[] = [];
  const results: BenchResult[] = [];
  const failures: BenchFailure[] = [];
  const profiles: ProfileReport[] = [];
  const specs = new Map<string, TorchModelSpec>();
  const notes: string[] = [];

  const noted = new Set<string>();
  for (const { backend, wasmThreads, replicas } of childRuns(options)) {
    const tasks = planTasks(backend, options.workloads, options);
    if (wasmThreads <= 1 && !noted.has(backend)) {
      noted.add(backend);
      notes.push(...skippedTasks(backend, options.workloads, options));
    }
    const what = replicas.every((r) => r > 1) ? ` (${replicas.join(', ')} replicas)` : wasmThreads > 1 ? ` (${wasmThreads} ${backend === 'wasm' ? 'wasm ' : ''}threads)` : '';
    deps.log(`[${backend}] starting a child process${what}`);
    let report: BackendReport | undefined;
    const seen = new Set<string>();
    try {
      const job: ChildJob = { backend, tasks, learningRate: options.learningRate, profile: options.profile && wasmThreads <= 1, replicas, wasmThreads };
      if (backend === 'webgpu') {
        job.softwareTasks = planTasks(backend, options.workloads, { ...options, slow: true });
        job.softwareNotes = skippedTasks(backend, options.workloads, { ...options, slow: true });
      }
      await deps.runChild(job, (m) => {
        switch (m.type) {
          case 'backend':
            report = m.report;
            if (m.report.softwarePlan) {
              notes.push(`${backend}: software adapter, timed on small batches like the pure-JS backend`, ...(job.softwareNotes ?? []));
            }
            deps.log(`[${backend}] ${m.report.available ? m.report.description : `unavailable: ${m.report.description}`}`);
            break;
          case 'progress':
            deps.log(`[${backend}] ${m.text}`);
            break;
          case 'spec':
            if (!specs.has(m.spec.name)) specs.set(m.spec.name, m.spec);
            break;
          case 'result':
            seen.add(`${m.result.model}/${m.result.mode}`);
            results.push(m.result);
            break;
          case 'failure':
            seen.add(`${m.failure.model}/${m.failure.mode}`);
            failures.push(m.failure);
            deps.log(`[${backend}] ${m.failure.model} ${m.failure.mode} failed: ${m.failure.error}`);
            break;
          case 'profile':
            profiles.push(m.profile);
            break;
          case 'done':
            break;
        }
      });
    } catch (err) {
      const error = String((err as Error)?.message ?? err);
      deps.log(`[${backend}] child process failed: ${error}`);
      if (report === undefined) report = { requested: backend, available: false, description: `child process failed: ${error}` };
      else {
        for (const t of tasks) {
          if (!seen.has(`${t.workload.model}/${t.mode}`)) {
            failures.push({ framework: 'zoo', backend: report.name ?? backend, model: t.workload.model, mode: t.mode, error });
          }
        }
      }
    }
    backends.push(report ?? { requested: backend, available: false, description: 'child process ended without reporting' });
  }

  const pytorch = await runPeerSide(options, deps, specs, results, failures, notes);

  notes.push(...oversubscribed(results));
  const estimated = results.filter((r) => r.estimated);
  if (estimated.length > 0) notes.push(`~ marks estimates: ${[...new Set(estimated.map((r) => r.note ?? ''))].join('; ')}`);
  const loadEnd = load();
  // Judged by the load before the run: by the end the bench's own threads are in the average.
  if (loadStart > cpus().length * 0.5) {
    notes.push(`the machine was busy (1-minute load ${loadStart.toFixed(2)} before the run, on ${cpus().length} cores): numbers are noisy`);
  }
  return {
    schema: 1,
    createdAt: now().toISOString(),
    command,
    quick: options.quick,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadAverage: { start: loadStart, end: loadEnd },
    },
    backends,
    pytorch,
    results,
    failures,
    table: compare(results),
    notes,
    profiles,
  };
}

/**
 * PyTorch slower with more threads than with one means its OpenMP threads were fighting other
 * processes for the cores (they spin while they wait): its multi-thread figures, and ratios to
 * them, say nothing about this machine when quiet.
 */
export function oversubscribed(results: readonly BenchResult[]): string[] {
  const torch = results.filter((r) => r.framework === 'pytorch');
  const slower = torch.filter((r) => {
    const one = torch.find((o) => o.threads === 1 && o.model === r.model && o.mode === r.mode && o.batch === r.batch);
    return r.threads > 1 && one !== undefined && r.imagesPerSecond < one.imagesPerSecond;
  });
  if (slower.length === 0) return [];
  const which = slower.map((r) => `${r.model} ${r.mode} at ${r.threads} threads`).join(', ');
  return [`PyTorch ran slower with more threads than with one (${which}): the cores were oversubscribed, so multi-thread ratios are not meaningful; rerun on a quiet machine`];
}

async function runPeerSide(
  options: BenchOptions,
  deps: BenchDeps,
  specs: Map<string, TorchModelSpec>,
  results: BenchResult[],
  failures: BenchFailure[],
  notes: string[],
): Promise<BenchReport['pytorch']> {
  if (!options.pytorch) {
    notes.push('PyTorch peer skipped (--no-pytorch)');
    return { available: false, description: 'skipped (--no-pytorch)', threads: [] };
  }
  const probe = await deps.probePytorch(options.python);
  if (!probe.available) {
    deps.log(`[pytorch] skipped: ${probe.reason}`);
    notes.push(`PyTorch peer skipped: ${probe.reason}`);
    return { available: false, description: probe.reason, threads: [] };
  }
  const used = results.filter((r) => r.framework === 'zoo').map((r) => r.threads);
  const threads = options.torchThreads ?? [...new Set(used)].sort((a, b) => a - b);
  const policy = basePolicy(options);
  const tasks = options.workloads.flatMap((w) =>
    specs.has(w.model) ? options.modes.map((mode) => ({ model: w.model, mode, batch: w.batch, inputSize: w.inputSize, policy })) : [],
  );
  const missing = options.workloads.filter((w) => !specs.has(w.model)).map((w) => w.model);
  if (missing.length > 0) notes.push(`no PyTorch peer for ${missing.join(', ')}: no zoo backend built it`);
  const description = `torch ${probe.version} via ${options.python}, BLAS ${probe.blas}`;
  if (/\/blas\/libblas\.so/.test(probe.blas)) {
    notes.push(
      `PyTorch runs on Debian's reference BLAS (${probe.blas}, about 4.5 GFLOP/s on one thread here), because python3-torch was ` +
        'installed without the optimised BLAS libtorch recommends; with it (apt-get install libopenblas0-pthread) PyTorch trains ' +
        '1.3x (AlexNet-mini) to 2.4x (AlexNet-224) faster here, and the zoo/PyTorch ratios drop by as much',
    );
  }
  if (tasks.length === 0 || threads.length === 0) return { available: true, description, threads: [] };
  for (const n of threads) {
    deps.log(`[pytorch] ${description}, ${n} thread${n === 1 ? '' : 's'}`);
    const models = Object.fromEntries([...specs].filter(([name]) => tasks.some((t) => t.model === name)));
    const run = await deps.runPeer({ threads: n, learningRate: options.learningRate, models, tasks }, (line) => deps.log(`[pytorch]${line}`));
    results.push(...run.results);
    failures.push(...run.failures);
  }
  return { available: true, description, threads };
}
