import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheck, type Report } from '../src/check';
import { parseOptions } from '../src/options';

// What a GPU machine without a Vulkan driver answers.
jest.mock('@zoo/backend', () => {
  const actual = jest.requireActual<typeof import('@zoo/backend')>('@zoo/backend');
  const reason = 'no WebGPU adapter found (no Vulkan, Metal or D3D12 driver that Dawn accepts)';
  return {
    ...actual,
    initBackend: async () => {
      throw new actual.BackendUnavailableError(`backend 'webgpu' cannot start here (webgpu: ${reason})`, [{ name: 'webgpu', reason }]);
    },
  };
});

describe('the check when WebGPU cannot start', () => {
  it('exits 2 and leaves a finished report that says why', async () => {
    const out = await mkdtemp(join(tmpdir(), 'zoo-gpu-check-'));
    try {
      const lines: string[] = [];
      const { file, code } = await runCheck(parseOptions(['--quick', '--out', out]), {}, (line) => lines.push(line));
      expect(code).toBe(2);
      const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
      expect(report.error).toMatch(/^BackendUnavailableError: backend 'webgpu' cannot start here \(webgpu: no WebGPU adapter found/);
      expect(report.backend).toBeUndefined();
      expect(report.gradients).toEqual([]);
      expect(report.finishedAt).toBeDefined();
      expect(lines[0]).toMatch(/^error: backend 'webgpu' cannot start here/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
