import type { BenchOptions } from '../src/cli';
import type { ChildJob, ChildMessage } from '../src/protocol';
import type { PeerJob } from '../src/pytorch';
import { formatReport } from '../src/report';
import { childRuns, oversubscribed, runBench, type BenchDeps } from '../src/run';
import type { TorchModelSpec } from '../src/torch-spec';
import { result } from './fixtures';

const options: BenchOptions = {
  quick: true,
  backends: ['tensorflow', 'wasm', 'cpu'],
  workloads: [{ model: 'lenet5-relu', batch: 128, inputSize: 28 }],
  modes: ['train'],
  pytorch: true,
  python: '/usr/bin/python3',
  out: '/tmp/results.json',
  profile: false,
  learningRate: 0.01,
  replicas: [1],
  wasmThreads: [1],
};

const spec: TorchModelSpec = { name: 'lenet5-relu', inputSize: 28, inChannels: 1, numClasses: 10, layers: [] };

/** Children that behave like the real ones: tensorflow absent, wasm and cpu measure. */
function fakeDeps(over: Partial<BenchDeps> = {}): BenchDeps & { peerJobs: PeerJob[]; lines: string[] } {
  const peerJobs: PeerJob[] = [];
  const lines: string[] = [];
  const rates: Record<string, number> = { wasm: 1000, cpu: 10 };
  return {
    peerJobs,
    lines,
    async runChild(job: ChildJob, onMessage: (m: ChildMessage) => void) {
      if (job.backend === 'tensorflow') {
        onMessage({ type: 'backend', report: { requested: 'tensorflow', available: false, description: 'native binary missing' } });
      } else {
        onMessage({ type: 'backend', report: { requested: job.backend, available: true, description: `backend: ${job.backend}`, name: job.backend, threads: 1 } });
        onMessage({ type: 'spec', spec });
        onMessage({ type: 'result', result: result({ backend: job.backend, imagesPerSecond: rates[job.backend] }) });
      }
      onMessage({ type: 'done' });
    },
    async probePytorch() {
      return { available: true, version: '1.13.0', blas: '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3' };
    },
    async runPeer(job) {
      peerJobs.push(job);
      return { results: [result({ framework: 'pytorch', backend: 'pytorch', threads: job.threads, imagesPerSecond: 2000 })], failures: [] };
    },
    log: (line) => lines.push(line),
    now: () => new Date('2026-01-01T00:00:00Z'),
    loadAverage: () => 0,
    ...over,
  };
}

describe('runBench', () => {
  it('writes a report with backends, peer, results, table and the command to rerun', async () => {
    const deps = fakeDeps();
    const report = await runBench(options, 'pnpm bench --quick', deps);
    expect(Object.keys(report).sort()).toEqual(
      ['backends', 'command', 'createdAt', 'failures', 'machine', 'notes', 'profiles', 'pytorch', 'quick', 'results', 'schema', 'table'].sort(),
    );
    expect(report).toMatchObject({ schema: 1, command: 'pnpm bench --quick', quick: true, createdAt: '2026-01-01T00:00:00.000Z' });
    expect(report.backends.map((b) => [b.requested, b.available])).toEqual([['tensorflow', false], ['wasm', true], ['cpu', true]]);
    expect(report.pytorch).toEqual({ available: true, description: 'torch 1.13.0 via /usr/bin/python3, BLAS /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3', threads: [1] });
    expect(report.table.map((r) => [r.backend, r.ratioToPytorch, r.ratioToCpu])).toEqual([
      ['wasm', 0.5, 100],
      ['cpu', 0.005, undefined],
    ]);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('runs the peer once per thread count, with the specs the children exported', async () => {
    const deps = fakeDeps();
    await runBench({ ...options, torchThreads: [1, 2] }, 'x', deps);
    expect(deps.peerJobs.map((j) => j.threads)).toEqual([1, 2]);
    expect(deps.peerJobs[0].models).toEqual({ 'lenet5-relu': spec });
    expect(deps.peerJobs[0].tasks).toEqual([expect.objectContaining({ model: 'lenet5-relu', mode: 'train', batch: 128, inputSize: 28 })]);
  });

  it('skips the peer with a note when PyTorch is absent, and still reports the zoo side', async () => {
    const deps = fakeDeps({ probePytorch: async () => ({ available: false, reason: 'no torch here' }) });
    const report = await runBench(options, 'x', deps);
    expect(deps.peerJobs).toEqual([]);
    expect(report.pytorch).toEqual({ available: false, description: 'no torch here', threads: [] });
    expect(report.notes).toContain('PyTorch peer skipped: no torch here');
    expect(report.table.map((r) => r.ratioToPytorch)).toEqual([undefined, undefined]);
  });

  it('records a child that dies mid-run as failures of its remaining tasks', async () => {
    const deps = fakeDeps({
      async runChild(job, onMessage) {
        onMessage({ type: 'backend', report: { requested: job.backend, available: true, description: 'ok', name: job.backend, threads: 1 } });
        throw new Error('exited with SIGKILL before finishing');
      },
    });
    const report = await runBench({ ...options, backends: ['wasm'], pytorch: false }, 'x', deps);
    expect(report.failures).toEqual([
      { framework: 'zoo', backend: 'wasm', model: 'lenet5-relu', mode: 'train', error: 'exited with SIGKILL before finishing' },
    ]);
    expect(report.notes).toContain('PyTorch peer skipped (--no-pytorch)');
  });
});

describe('the children\'s environment', () => {
  it('is in the report and its printed backend line when a child started with GLIBC_TUNABLES', async () => {
    const deps = fakeDeps({
      async runChild(job, onMessage) {
        const glibcTunables = job.backend === 'onnxruntime' ? 'glibc.malloc.mmap_max=0' : undefined;
        onMessage({ type: 'backend', report: { requested: job.backend, available: true, description: `backend: ${job.backend}`, name: job.backend, threads: 1, ...(glibcTunables ? { glibcTunables } : {}) } });
        onMessage({ type: 'done' });
      },
    });
    const report = await runBench({ ...options, backends: ['onnxruntime', 'wasm'], pytorch: false }, 'x', deps);
    expect(report.backends.map((b) => b.glibcTunables)).toEqual(['glibc.malloc.mmap_max=0', undefined]);
    const printed = formatReport(report).split('\n');
    expect(printed).toContain('backend: onnxruntime; GLIBC_TUNABLES=glibc.malloc.mmap_max=0');
    expect(printed).toContain('backend: wasm');
  });
});

describe('a software WebGPU adapter', () => {
  it('gets the slow plan to fall back on, and the report says it was used', async () => {
    const jobs: ChildJob[] = [];
    const deps = fakeDeps({
      async runChild(job, onMessage) {
        jobs.push(job);
        onMessage({ type: 'backend', report: { requested: job.backend, available: true, description: 'webgpu on CPU', name: 'webgpu', threads: 1, device: 'cpu', softwarePlan: true } });
        onMessage({ type: 'done' });
      },
    });
    const report = await runBench({ ...options, quick: false, backends: ['webgpu', 'wasm'], pytorch: false }, 'x', deps);
    expect(jobs[0].softwareTasks?.map((t) => t.batch)).toEqual([32]);
    expect(jobs[0].tasks.map((t) => t.batch)).toEqual([128]);
    expect(jobs[1].softwareTasks).toBeUndefined();
    expect(report.notes).toContain('webgpu: software adapter, timed on small batches like the pure-JS backend');
  });
});

describe('childRuns', () => {
  it('gives wasm one child per thread count, and each replica count a one-thread child of its own', () => {
    expect(childRuns({ backends: ['wasm', 'cpu'], replicas: [1, 2], wasmThreads: [1, 2] })).toEqual([
      { backend: 'wasm', wasmThreads: 1, replicas: [1] },
      { backend: 'wasm', wasmThreads: 1, replicas: [2] },
      { backend: 'wasm', wasmThreads: 2, replicas: [1] },
      { backend: 'cpu', wasmThreads: 1, replicas: [1] },
    ]);
  });

  it("gives onnxruntime one child per thread count (its pool's size), and each replica count a one-thread child of its own", () => {
    expect(childRuns({ backends: ['onnxruntime'], replicas: [1, 2], wasmThreads: [1, 2] })).toEqual([
      { backend: 'onnxruntime', wasmThreads: 1, replicas: [1] },
      { backend: 'onnxruntime', wasmThreads: 1, replicas: [2] },
      { backend: 'onnxruntime', wasmThreads: 2, replicas: [1] },
    ]);
  });
});

describe('oversubscribed', () => {
  it('flags PyTorch running slower on more threads, and nothing otherwise', () => {
    const one = result({ framework: 'pytorch', backend: 'pytorch', imagesPerSecond: 1000 });
    expect(oversubscribed([one, result({ framework: 'pytorch', backend: 'pytorch', threads: 2, imagesPerSecond: 1800 })])).toEqual([]);
    expect(oversubscribed([one, result({ framework: 'pytorch', backend: 'pytorch', threads: 2, imagesPerSecond: 300 })])).toEqual([
      expect.stringMatching(/lenet5-relu train at 2 threads.*oversubscribed/),
    ]);
  });
});
