import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { RawAdapterInfo } from '../src/webgpu/adapter';

/** What a fresh process finds when it asks Dawn for an adapter: the adapter's info, or why there is none. */
export type WebGpuProbe = { found: true; info: RawAdapterInfo } | { found: false; reason: string };

// Run in a child process: Jest needs to know before it defines the tests whether they can run, and
// a synchronous answer cannot come from Dawn's asynchronous requestAdapter in this process.
const PROBE = `
let gpu;
try {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  gpu = create([]);
} catch (err) {
  console.log(JSON.stringify({ found: false, reason: 'the webgpu package does not load: ' + String(err && err.message).split('\\n')[0] }));
  process.exit(0);
}
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) {
  console.log(JSON.stringify({ found: false, reason: 'Dawn finds no adapter (install a Vulkan driver, e.g. mesa-vulkan-drivers from bookworm-backports)' }));
} else {
  const { vendor, architecture, device, description, isFallbackAdapter } = adapter.info;
  console.log(JSON.stringify({ found: true, info: { vendor, architecture, device, description, isFallbackAdapter } }));
}
process.exit(0);
`;

let cached: WebGpuProbe | undefined;

/** Asks a child Node process, run from this package, whether Dawn finds a WebGPU adapter here. */
export function probeWebGpu(env: NodeJS.ProcessEnv = process.env): WebGpuProbe {
  if (env === process.env && cached) return cached;
  let result: WebGpuProbe;
  try {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE], {
      cwd: resolve(__dirname, '..'),
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    });
    result = JSON.parse(out.trim().split('\n').pop() ?? '') as WebGpuProbe;
  } catch (err) {
    result = { found: false, reason: `the WebGPU probe failed: ${String((err as Error).message).split('\n')[0]}` };
  }
  if (env === process.env) cached = result;
  return result;
}

/**
 * `it` when Dawn finds an adapter here, else `it.skip` after printing why, so a machine without a
 * Vulkan driver reports skipped tests rather than passing them. With ZOO_REQUIRE_WEBGPU=1 (CI, once it
 * has installed lavapipe), a missing adapter fails instead.
 */
export function itWithAdapter(probe: WebGpuProbe = probeWebGpu()): jest.It {
  if (probe.found) return it;
  if (process.env.ZOO_REQUIRE_WEBGPU === '1') {
    throw new Error(`ZOO_REQUIRE_WEBGPU=1 but WebGPU cannot run here: ${probe.reason}`);
  }
  // Straight to stderr: Jest drops console output of a file whose tests are all skipped.
  process.stderr.write(`WebGPU tests skipped: ${probe.reason}\n`);
  return it.skip;
}
