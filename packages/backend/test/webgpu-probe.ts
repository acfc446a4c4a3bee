import { probeWebGpuSync, type WebGpuProbe } from '../src/node/webgpu-probe';

export type { WebGpuProbe };

let cached: WebGpuProbe | undefined;

/**
 * Whether Dawn finds a WebGPU adapter here, asked by the package's own child-process probe (the one
 * `auto` uses): Jest needs to know before it defines the tests whether they can run.
 */
export function probeWebGpu(env: NodeJS.ProcessEnv = process.env): WebGpuProbe {
  if (env !== process.env) return probeWebGpuSync(env);
  cached ??= probeWebGpuSync(env);
  return cached;
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
