/**
 * runWorkers' promise to Ctrl-C: every worker is asked to stop, and one that does not within the
 * grace period is terminated, so that an interrupted run always ends. And the environment a child
 * process starts with: glibc's malloc tunables for one that trains on ONNX Runtime, V8's flags for
 * one that trains as data-parallel replicas.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ORT_MALLOC_TUNABLES, ortProcessEnv } from '@zoo/backend/node';
import { DATA_PARALLEL_EXEC_ARGV } from '@zoo/trainer/node';
import type { ProgressView } from '../src/progress';
import { runWorkers, threadsPerRun } from '../src/run-workers';
import type { WorkerInput } from '../src/worker-protocol';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'run-workers-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A worker script: reports its model, then behaves as `body` says. */
function workerScript(name: string, body: string): URL {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(
    file,
    `const { parentPort } = require('node:worker_threads');
parentPort.postMessage({ type: 'model', params: 1, flops: 2, batchesPerEpoch: 3 });
${body}
`,
  );
  return pathToFileURL(file);
}

/** A child-process worker script: answers the start message as `body` says, then ends. */
function childScript(name: string, body: string): URL {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(
    file,
    `process.on('message', (m) => {
  if (m.type !== 'start') return;
  const input = m.input;
  process.send({ type: 'model', params: 1, flops: 2, batchesPerEpoch: 3 });
  ${body}
});
`,
  );
  return pathToFileURL(file);
}

function recordingView(): ProgressView & { notes: string[] } {
  const notes: string[] = [];
  return {
    notes,
    add: () => undefined,
    update: () => undefined,
    epochDone: () => undefined,
    phase: () => undefined,
    note: (id, text) => notes.push(`${id}: ${text}`),
    log: () => undefined,
    stop: () => undefined,
  };
}

const input = (id: string): WorkerInput => ({ spec: { id } as WorkerInput['spec'], backend: 'cpu', threads: 1, replicas: 1, train: {} as WorkerInput['train'], test: {} as WorkerInput['test'], numClasses: 10, checkpointDir: join(dir, id), statePath: join(dir, `${id}.json`), legacyStatePath: join(dir, `${id}.state.json`), resume: false });

const outcome = { status: 'interrupted', history: [], curve: [], peakMemoryBytes: 1, wallSeconds: 0.5 };

describe('runWorkers after an abort', () => {
  it('takes the outcome of a worker that stops when asked', async () => {
    const url = workerScript('obedient', `parentPort.on('message', (m) => { if (m.type === 'abort') { parentPort.postMessage({ type: 'finished', outcome: ${JSON.stringify(outcome)} }); parentPort.close(); } });`);
    const controller = new AbortController();
    const view = recordingView();
    const running = runWorkers([input('a')], { workerUrl: url, isolation: 'thread', concurrency: 1, view, signal: controller.signal, stopGraceMs: 5_000 });
    setTimeout(() => controller.abort(), 200);
    const [run] = await running;
    expect(run.outcome).toEqual(outcome);
    expect(run.model).toMatchObject({ params: 1, flops: 2 });
    expect(view.notes).toEqual([]);
  });

  it('terminates a worker that ignores the request, and reports the run as interrupted', async () => {
    // Busy in a loop that never gives its event loop a turn, as a stuck kernel would be.
    const url = workerScript('stuck', `setTimeout(() => { for (;;) {} }, 50);`);
    const controller = new AbortController();
    const view = recordingView();
    const started = Date.now();
    const running = runWorkers([input('stuck'), input('never')], { workerUrl: url, isolation: 'thread', concurrency: 1, view, signal: controller.signal, stopGraceMs: 500 });
    setTimeout(() => controller.abort(), 300);
    const [stuck, never] = await running;
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(stuck.outcome.status).toBe('interrupted');
    // It never finished an epoch, so there is no checkpoint to promise.
    expect(view.notes).toContain('stuck: did not stop within 0.5 s; terminating it (it has no checkpoint yet, so --resume trains it from the beginning)');
    // The run queued behind it is not started after the abort.
    expect(never.outcome.status).toBe('interrupted');
    expect(view.notes).toContain('never: interrupted before it started');
  });
});

describe('runWorkers terminating a stuck worker', () => {
  it('names the checkpoint that stands: the last epoch the worker reported', async () => {
    const record = { epoch: 2, lr: 0.1, loss: 1, trainAcc: 0.5, testAcc: 0.5, examplesPerSec: 10, seconds: 1 };
    const url = workerScript('stuck-later', `parentPort.postMessage({ type: 'epoch', record: ${JSON.stringify(record)} }); setTimeout(() => { for (;;) {} }, 50);`);
    const controller = new AbortController();
    const view = recordingView();
    const running = runWorkers([{ ...input('late'), resume: true, resumeEpochs: 1 }], { workerUrl: url, isolation: 'thread', concurrency: 1, view, signal: controller.signal, stopGraceMs: 500 });
    setTimeout(() => controller.abort(), 300);
    await running;
    expect(view.notes).toContain('late: did not stop within 0.5 s; terminating it (its checkpoint after epoch 2 stands)');
  });
});

describe('runWorkers starting child processes', () => {
  const own = process.env.GLIBC_TUNABLES;
  // A setting of the user's own, which every child keeps (and which wins, coming last).
  beforeEach(() => (process.env.GLIBC_TUNABLES = 'glibc.malloc.arena_max=2'));
  afterEach(() => (own === undefined ? delete process.env.GLIBC_TUNABLES : (process.env.GLIBC_TUNABLES = own)));

  it("gives a worker on ONNX Runtime glibc's malloc tunables where the platform takes them, others the environment as it is", async () => {
    const url = childScript(
      'env',
      `process.send({ type: 'note', text: 'GLIBC_TUNABLES=' + process.env.GLIBC_TUNABLES });
  process.send({ type: 'finished', outcome: { status: 'done', history: [], curve: [], peakMemoryBytes: 1, wallSeconds: 0.1 } }, () => process.disconnect());`,
    );
    const view = recordingView();
    const runs = await runWorkers([{ ...input('ort'), backend: 'onnxruntime' }, { ...input('wasm'), backend: 'wasm' }], {
      workerUrl: url,
      isolation: 'process',
      concurrency: 2,
      view,
      signal: new AbortController().signal,
    });
    expect(runs.map((r) => r.outcome.status)).toEqual(['done', 'done']);
    const tunables = ortProcessEnv().tunables;
    expect(view.notes.sort()).toEqual([
      `ort: GLIBC_TUNABLES=${tunables ? `${ORT_MALLOC_TUNABLES}:` : ''}glibc.malloc.arena_max=2`,
      'wasm: GLIBC_TUNABLES=glibc.malloc.arena_max=2',
    ]);
  });

  it("starts a model trained as replicas with the Node flags that keep GC helper threads off the replicas' cores", async () => {
    const url = childScript(
      'flags',
      `process.send({ type: 'note', text: process.execArgv.join(' ') || '(none)' });
  process.send({ type: 'finished', outcome: { status: 'done', history: [], curve: [], peakMemoryBytes: 1, wallSeconds: 0.1 } }, () => process.disconnect());`,
    );
    const view = recordingView();
    await runWorkers([{ ...input('two'), replicas: 2 }, input('one')], { workerUrl: url, isolation: 'process', concurrency: 2, view, signal: new AbortController().signal });
    expect(view.notes.sort()).toEqual([`one: ${process.execArgv.join(' ') || '(none)'}`, `two: ${[...process.execArgv, ...DATA_PARALLEL_EXEC_ARGV].join(' ')}`]);
  });

  it('names the signal that killed a child before it reported', async () => {
    const url = childScript('killed', `process.kill(process.pid, 'SIGKILL');`);
    const [run] = await runWorkers([input('oom')], { workerUrl: url, isolation: 'process', concurrency: 1, view: recordingView(), signal: new AbortController().signal });
    expect(run.outcome).toMatchObject({ status: 'failed', error: 'worker exited with signal SIGKILL before reporting' });
    expect(run.model).toMatchObject({ params: 1 });
  });
});

describe('threadsPerRun', () => {
  test.each([
    [2, 2, 1],
    [2, 1, 2],
    [1, 3, 1],
    [8, 2, 4],
    // A 16- or 64-core machine: a wasm thread pool holds at most 8, and more would be refused.
    [16, 1, 8],
    [64, 2, 8],
  ])('%i cores, %i runs at once: %i threads each', (cores, concurrent, expected) => {
    expect(threadsPerRun(cores, concurrent)).toBe(expected);
  });
});
