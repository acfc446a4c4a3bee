import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPython, probePytorch, runPytorchPeer, type PeerJob } from '../src/pytorch';

const job: PeerJob = {
  threads: 2,
  learningRate: 0.01,
  models: {},
  tasks: [{ model: 'lenet5-relu', mode: 'train', batch: 128, inputSize: 28, policy: { warmup: 1, warmupMs: 0, budgetMs: 0, minSteps: 1, maxSteps: 1 } }],
};

/** A stand-in interpreter: a shell script that ignores its arguments and prints `stdout`. */
function fakePython(stdout: string, code = 0): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-py-'));
  const path = join(dir, 'python3');
  writeFileSync(path, `#!/bin/sh\ncat >/dev/null\nprintf '%s' '${stdout}'\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('the PyTorch-absent path', () => {
  it('reports an interpreter that does not exist, with the install hint', async () => {
    const probe = await probePytorch('/nonexistent/python3', 'throughput.py');
    expect(probe.available).toBe(false);
    if (!probe.available) expect(probe.reason).toMatch(/cannot be run.*apt-get install python3-torch/);
  });

  it('reports an interpreter without torch', async () => {
    const probe = await probePytorch(fakePython('', 1), 'throughput.py');
    expect(probe.available).toBe(false);
    if (!probe.available) expect(probe.reason).toMatch(/cannot import torch/);
  });

  it('turns a peer that cannot start into one failure per task, not a crash', async () => {
    const run = await runPytorchPeer('/nonexistent/python3', 'throughput.py', job);
    expect(run.results).toEqual([]);
    expect(run.failures).toEqual([
      { framework: 'pytorch', backend: 'pytorch', model: 'lenet5-relu', mode: 'train', error: expect.stringMatching(/could not start/) },
    ]);
  });
});

describe('runPytorchPeer', () => {
  it('reads the peer report into rows with medians and images/s', async () => {
    const report = { torch: '1.13', threads: 2, results: [{ model: 'lenet5-relu', mode: 'train', batch: 128, warmupSteps: 1, timesMs: [40, 20, 30], cpuMs: [40, 20, 30] }], failures: [] };
    const run = await runPytorchPeer(fakePython(JSON.stringify(report)), 'throughput.py', job);
    expect(run.failures).toEqual([]);
    expect(run.results).toEqual([
      expect.objectContaining({ framework: 'pytorch', backend: 'pytorch', threads: 2, inputSize: 28, medianMs: 30, imagesPerSecond: (128 * 1000) / 30 }),
    ]);
  });

  it('reports the version and BLAS the probe prints', async () => {
    const probe = await probePytorch(fakePython('{"torch": "1.13.0", "blas": "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"}'), 'throughput.py');
    expect(probe).toEqual({ available: true, version: '1.13.0', blas: '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0' });
  });

  it('finds the interpreter from ZOO_BENCH_PYTHON first', () => {
    expect(defaultPython({ ZOO_BENCH_PYTHON: '/opt/py' })).toBe('/opt/py');
  });
});
