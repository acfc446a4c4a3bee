import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { imagesPerSecond, median } from './stats';
import type { TorchModelSpec } from './torch-spec';
import type { BenchFailure, BenchResult, StepPolicy } from './types';

/** Debian's python3-torch lives in the system interpreter, not in a pyenv/venv one earlier on PATH. */
export function defaultPython(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ZOO_BENCH_PYTHON) return env.ZOO_BENCH_PYTHON;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

export interface PeerTask {
  model: string;
  mode: 'train' | 'infer';
  batch: number;
  inputSize: number;
  policy: StepPolicy;
}

export interface PeerJob {
  threads: number;
  learningRate: number;
  models: Record<string, TorchModelSpec>;
  tasks: PeerTask[];
}

interface PeerOutput {
  torch: string;
  threads: number;
  results: { model: string; mode: 'train' | 'infer'; batch: number; warmupSteps: number; timesMs: number[]; cpuMs: number[] }[];
  failures: { model: string; mode: 'train' | 'infer'; error: string }[];
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the interpreter could not be started at all. */
  spawnError?: string;
}

function runPython(python: string, args: string[], input: string, onStderr?: (line: string) => void): Promise<Run> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let child;
    try {
      child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: null, stdout, stderr, spawnError: String((err as Error).message ?? err) });
      return;
    }
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (onStderr) for (const line of chunk.split('\n')) if (line.trim()) onStderr(line);
    });
    child.on('error', (err) => resolve({ code: null, stdout, stderr, spawnError: err.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

export type ProbeResult =
  | {
      available: true;
      version: string;
      /** The BLAS library torch's matrix products load (its dense layers' speed depends on it). */
      blas: string;
    }
  | { available: false; reason: string };

/** Whether `python` can import torch; the reason is one line a user can act on. */
export async function probePytorch(python: string, script: string): Promise<ProbeResult> {
  const run = await runPython(python, [script, '--probe'], '');
  if (run.spawnError !== undefined) {
    return { available: false, reason: `${python} cannot be run (${run.spawnError}); install PyTorch with: apt-get install python3-torch` };
  }
  if (run.code !== 0) {
    const last = run.stderr.trim().split('\n').pop() ?? `exit code ${run.code}`;
    return { available: false, reason: `${python} cannot import torch (${last}); install it with: apt-get install python3-torch` };
  }
  try {
    const { torch, blas } = JSON.parse(run.stdout) as { torch: string; blas?: string };
    return { available: true, version: torch, blas: blas ?? 'unknown' };
  } catch {
    return { available: false, reason: `${python} printed something unexpected when asked for torch's version` };
  }
}

export interface PeerRun {
  results: BenchResult[];
  failures: BenchFailure[];
}

/** Runs the peer script once for one thread count and turns its report into bench rows. */
export async function runPytorchPeer(
  python: string,
  script: string,
  job: PeerJob,
  onProgress?: (line: string) => void,
): Promise<PeerRun> {
  const run = await runPython(python, [script], JSON.stringify(job), onProgress);
  const failAll = (error: string): PeerRun => ({
    results: [],
    failures: job.tasks.map((t) => ({ framework: 'pytorch', backend: 'pytorch', model: t.model, mode: t.mode, error })),
  });
  if (run.spawnError !== undefined) return failAll(`could not start ${python}: ${run.spawnError}`);
  if (run.code !== 0) return failAll(`${script} exited with ${run.code}: ${run.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
  let output: PeerOutput;
  try {
    output = JSON.parse(run.stdout) as PeerOutput;
  } catch {
    return failAll(`${script} did not print a JSON report`);
  }
  const inputSizes = new Map(job.tasks.map((t) => [t.model, t.inputSize]));
  const results: BenchResult[] = output.results.map((r) => {
    const medianMs = median(r.timesMs);
    return {
      framework: 'pytorch',
      backend: 'pytorch',
      model: r.model,
      mode: r.mode,
      batch: r.batch,
      measuredBatch: r.batch,
      inputSize: inputSizes.get(r.model) ?? 0,
      threads: output.threads,
      replicas: 1,
      warmupSteps: r.warmupSteps,
      timesMs: r.timesMs,
      medianMs,
      imagesPerSecond: imagesPerSecond(r.batch, medianMs),
      cpuMs: r.cpuMs,
      imagesPerCpuSecond: imagesPerSecond(r.batch, Math.max(median(r.cpuMs), 1e-3)),
      estimated: false,
    };
  });
  const failures: BenchFailure[] = output.failures.map((f) => ({ framework: 'pytorch', backend: 'pytorch', ...f }));
  return { results, failures };
}
