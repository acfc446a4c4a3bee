/**
 * A second Ctrl-C quits at once (README): by the signal itself, status 130 in the shell, the run
 * folder's lock removed. It used to call process.exit, which tore down worker threads whose ONNX
 * Runtime sessions were mid-run, and the process died of SIGABRT (`terminate called after throwing
 * an instance of 'Napi::Error'`). In worker threads and in child processes alike (the default on glibc
 * Linux, for glibc's malloc tunables), whichever a run gets.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAS_DATA, start } from './harness';

function onnxRuntimeInstalled(): boolean {
  try {
    createRequire(require.resolve('@zoo/backend')).resolve('onnxruntime-node');
    return true;
  } catch {
    return false;
  }
}

const ready = HAS_DATA && onnxRuntimeInstalled();
if (HAS_DATA && !ready) console.warn('second-interrupt.test: onnxruntime-node is not installed; the test is skipped');
const itRuns = ready ? it : it.skip;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'compare-second-int-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each(['thread', 'process'])('a second Ctrl-C while ONNX Runtime computes in the workers (--isolation %s)', (isolation) => {
  itRuns(
    'ends the run by SIGINT (the shell shows 130), not by an abort, and leaves no lock',
    async () => {
      const out = join(scratch, `run-${isolation}`);
      // Batches of 2048: each takes seconds, so both interrupts land inside one.
      const args = ['--backend', 'onnxruntime', '--models', 'lenet5,alexnet-mini', '--limit-train', '8192', '--limit-test', '64', '--batch-size', '2048', '--epochs', '2', '--isolation', isolation, '--out', out];
      const running = start(args);
      await running.waitFor(/epoch 1\/2 batch 1\//, 240_000);
      running.kill('SIGINT');
      await running.waitFor(/^stopping: /m, 30_000);
      // Past the second in which a repeat counts as the same stop (pnpm forwarding the terminal's).
      await new Promise((r) => setTimeout(r, 1_300));
      running.kill('SIGINT');
      const r = await running.finish(60_000);
      expect(r.stderr).toContain('compare: quit without saving the batches in flight');
      expect(r.stderr).not.toMatch(/Napi::Error|terminate called|Aborted/);
      expect({ code: r.code, signal: r.signal }).toEqual({ code: null, signal: 'SIGINT' });
      expect(existsSync(join(out, '.lock'))).toBe(false);
    },
    360_000,
  );
});
