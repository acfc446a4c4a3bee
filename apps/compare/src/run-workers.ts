import { fork } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MAX_WASM_THREADS } from '@zoo/backend';
import { backendProcessEnv } from '@zoo/backend/node';
import { dataParallelExecArgv } from '@zoo/trainer/node';
import type { ProgressView } from './progress';
import type { Isolation, MainMessage, WorkerInput, WorkerMessage, WorkerOutcome } from './worker-protocol';

export interface WorkerRun {
  input: WorkerInput;
  /** What the worker said about the model it built; absent if it never got that far. */
  model?: Extract<WorkerMessage, { type: 'model' }>;
  outcome: WorkerOutcome;
}

export interface RunWorkersOptions {
  /** The built worker script (dist/worker.js). */
  workerUrl: URL;
  isolation: Isolation;
  /** Workers alive at once; the rest wait for a free slot. */
  concurrency: number;
  view: ProgressView;
  /** Aborting asks every running worker to checkpoint and stop, and starts no more. */
  signal: AbortSignal;
  /** How long a worker asked to stop may take before it is terminated. Default: {@link STOP_GRACE_MS}. */
  stopGraceMs?: number;
}

/** Milliseconds a worker may take to exit after reporting its outcome before it is terminated. */
const EXIT_GRACE_MS = 5_000;
/**
 * Milliseconds a worker may take, once asked to stop, to finish its batch and write its checkpoint.
 * A worker stuck past this is terminated, so that Ctrl-C always ends the run; its last checkpoint stands.
 */
export const STOP_GRACE_MS = 60_000;

/**
 * wasm threads for each of `concurrent` runs training at once: the cores shared out, at least 1 and
 * at most what a wasm thread pool allows.
 */
export function threadsPerRun(cores: number, concurrent: number): number {
  return Math.min(MAX_WASM_THREADS, Math.max(1, Math.floor(cores / Math.max(1, concurrent))));
}

/**
 * Trains each input in its own worker (TF.js keeps its backend and tensors per thread, and a worker
 * per model is what lets two models use two cores), `concurrency` at a time, in input order.
 */
export async function runWorkers(inputs: readonly WorkerInput[], options: RunWorkersOptions): Promise<WorkerRun[]> {
  const { view, signal } = options;
  const results: WorkerRun[] = new Array(inputs.length);
  // Each running worker, with the function that asks it to stop.
  const running = new Map<WorkerHandle, () => void>();
  const abortAll = () => {
    for (const stop of running.values()) stop();
  };
  signal.addEventListener('abort', abortAll, { once: true });

  let next = 0;
  const slot = async (): Promise<void> => {
    while (next < inputs.length) {
      const index = next++;
      const input = inputs[index];
      if (signal.aborted) {
        results[index] = { input, outcome: notStarted() };
        view.note(input.spec.id, 'interrupted before it started');
        continue;
      }
      results[index] = await runOne(input, options, running);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, inputs.length)) }, slot));
  } finally {
    signal.removeEventListener('abort', abortAll);
  }
  return results;
}

function notStarted(): WorkerOutcome {
  return { status: 'interrupted', history: [], curve: [], peakMemoryBytes: 0, wallSeconds: 0 };
}

/** A worker thread or a child process, behind the few calls a run needs. */
interface WorkerHandle {
  /** Emits `message`, `error` and `exit` (with the exit code first), as both kinds do. */
  events: EventEmitter;
  send(message: MainMessage): void;
  kill(): void;
}

function startWorker(url: URL, input: WorkerInput, isolation: Isolation): WorkerHandle {
  if (isolation === 'thread') {
    const worker = new Worker(url, { workerData: input });
    return { events: worker, send: (m) => worker.postMessage(m), kill: () => void worker.terminate() };
  }
  // 'advanced' serialization carries the typed arrays of the data set as they are, not as JSON.
  // A model trained as replicas gets the flags that keep GC helper threads off the replicas' cores.
  const execArgv = dataParallelExecArgv(input.replicas);
  const child = fork(fileURLToPath(url), [], { env: backendProcessEnv(input.backend).env, execArgv, serialization: 'advanced', stdio: 'inherit' });
  const send = (m: MainMessage) => {
    if (child.connected) child.send(m);
  };
  send({ type: 'start', input });
  return { events: child, send, kill: () => child.kill('SIGKILL') };
}

function runOne(input: WorkerInput, options: RunWorkersOptions, running: Map<WorkerHandle, () => void>): Promise<WorkerRun> {
  const { view } = options;
  const id = input.spec.id;
  return new Promise((resolve) => {
    const startedAt = Date.now();
    const worker = startWorker(options.workerUrl, input, options.isolation);
    let model: WorkerRun['model'];
    let outcome: WorkerOutcome | undefined;
    let crash: Error | undefined;
    let grace: NodeJS.Timeout | undefined;
    let stopDeadline: NodeJS.Timeout | undefined;
    // Epochs covered by the newest checkpoint this worker is known to have: the one it resumed from,
    // then one per finished epoch (the trainer writes it before it reports the epoch).
    let checkpointEpochs: number | undefined = input.resumeEpochs;
    running.set(worker, () => {
      worker.send({ type: 'abort' });
      const graceMs = options.stopGraceMs ?? STOP_GRACE_MS;
      stopDeadline ??= setTimeout(() => {
        const left =
          checkpointEpochs === undefined
            ? 'it has no checkpoint yet, so --resume trains it from the beginning'
            : `its checkpoint after epoch ${checkpointEpochs} stands`;
        view.note(id, `did not stop within ${graceMs / 1000} s; terminating it (${left})`);
        worker.kill();
      }, graceMs);
    });

    worker.events.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'model':
          model = message;
          view.phase(id, 'starting…');
          break;
        case 'resumed':
          view.note(id, `resumed from its checkpoint at epoch ${message.epoch + 1}, batch ${message.batch}`);
          checkpointEpochs = message.epoch;
          break;
        case 'batch':
          view.update({ id, epochs: input.spec.epochs, ...message.progress });
          break;
        case 'phase':
          view.phase(id, message.text);
          break;
        case 'note':
          view.note(id, message.text);
          break;
        case 'epoch':
          checkpointEpochs = message.record.epoch;
          view.epochDone(id, message.record, input.spec.epochs);
          break;
        case 'finished':
          outcome = message.outcome;
          grace = setTimeout(() => worker.kill(), EXIT_GRACE_MS);
          break;
      }
    });
    worker.events.on('error', (err: Error) => {
      crash = err;
    });
    // A child process killed by a signal (the OOM killer's SIGKILL) exits with no code but that signal.
    worker.events.on('exit', (code: number | null, signal?: NodeJS.Signals | null) => {
      if (grace) clearTimeout(grace);
      if (stopDeadline) clearTimeout(stopDeadline);
      running.delete(worker);
      const final: WorkerOutcome = outcome ?? {
        status: stopDeadline ? 'interrupted' : 'failed',
        history: [],
        curve: [],
        peakMemoryBytes: 0,
        wallSeconds: (Date.now() - startedAt) / 1000,
        error: crash ? crash.message : `worker exited with ${signal ? `signal ${signal}` : `code ${code}`} before reporting`,
      };
      resolve({ input, model, outcome: final });
    });
  });
}
