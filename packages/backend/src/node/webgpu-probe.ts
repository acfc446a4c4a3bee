/**
 * Asks Dawn for a WebGPU adapter in a child Node process. Dawn prints to the process's own stderr
 * (Vulkan loader warnings with its CI machine's paths, "maxDynamic… artificially reduced" limit
 * notes), which nothing in JavaScript can intercept; asked in a child, that noise goes to a pipe,
 * and `auto` starts Dawn in this process only once it knows the adapter is a GPU it will use.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { RawAdapterInfo } from '../webgpu/adapter';
import { moduleFile } from './module-file';

/** What a fresh process finds when it asks Dawn for an adapter: the adapter's info, or why there is none. */
export type WebGpuProbe = { found: true; info: RawAdapterInfo } | { found: false; reason: string };

/** The answer line's prefix: Dawn or the Vulkan loader may write lines of their own to stdout too. */
const ANSWER = 'zoo-webgpu-probe ';

/** How long the child may take (Dawn's instance and a Vulkan enumeration: well under a second here). */
export const WEBGPU_PROBE_TIMEOUT_MS = 30_000;

const NO_ADAPTER = 'no WebGPU adapter found (no Vulkan, Metal or D3D12 driver that Dawn accepts)';

// The child's program: process.argv[1] is the URL of the `webgpu` package's entry.
const PROBE = `
const say = (answer) => { process.stdout.write(${JSON.stringify(ANSWER)} + JSON.stringify(answer) + '\\n'); process.exit(0); };
let gpu;
try {
  const { create, globals } = await import(process.argv[1]);
  Object.assign(globalThis, globals);
  gpu = create([]);
} catch (err) {
  say({ found: false, reason: 'webgpu failed to load: ' + String(err && err.message).split('\\n')[0] });
}
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
if (!adapter) say({ found: false, reason: ${JSON.stringify(NO_ADAPTER)} });
const { vendor, architecture, device, description, isFallbackAdapter } = adapter.info ?? {};
say({ found: true, info: { vendor, architecture, device, description, isFallbackAdapter } });
`;

/** The `webgpu` package's entry, as this package resolves it (a bundle resolves it from beside itself). */
function webgpuEntry(): string | undefined {
  try {
    return pathToFileURL(createRequire(moduleFile()).resolve('webgpu')).href;
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0].trim();
}

function answerOf(stdout: string): WebGpuProbe | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(ANSWER));
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line.slice(ANSWER.length)) as WebGpuProbe;
  } catch {
    return undefined;
  }
}

/** What to say when the child gave no answer: it timed out, crashed inside Dawn, or Node failed. */
function failure(err: unknown): WebGpuProbe {
  const e = err as NodeJS.ErrnoException & { signal?: string | null; killed?: boolean };
  if (e?.killed || e?.code === 'ETIMEDOUT') return { found: false, reason: `the WebGPU probe gave no answer within ${WEBGPU_PROBE_TIMEOUT_MS / 1000} s` };
  if (e?.signal) return { found: false, reason: `the WebGPU probe crashed (${e.signal}) while Dawn looked for an adapter` };
  return { found: false, reason: `the WebGPU probe failed: ${firstLine(String(e?.message ?? err))}` };
}

function args(entry: string): string[] {
  return ['--input-type=module', '-e', PROBE, entry];
}

const options = (env: NodeJS.ProcessEnv) => ({ env, encoding: 'utf8' as const, timeout: WEBGPU_PROBE_TIMEOUT_MS, maxBuffer: 4 * 2 ** 20, windowsHide: true });

/** Asks a child Node process whether Dawn finds a WebGPU adapter here, and which. Never throws. */
export function probeWebGpu(env: NodeJS.ProcessEnv = process.env): Promise<WebGpuProbe> {
  const entry = webgpuEntry();
  if (entry === undefined) return Promise.resolve({ found: false, reason: 'the webgpu package (Dawn for Node) is not installed' });
  return new Promise((resolve) => {
    execFile(process.execPath, args(entry), options(env), (err, stdout) => {
      resolve(answerOf(String(stdout)) ?? failure(err ?? new Error('no answer on stdout')));
    });
  });
}

/** {@link probeWebGpu}, blocking: for test files, which must know before they define their tests. */
export function probeWebGpuSync(env: NodeJS.ProcessEnv = process.env): WebGpuProbe {
  const entry = webgpuEntry();
  if (entry === undefined) return { found: false, reason: 'the webgpu package (Dawn for Node) is not installed' };
  try {
    return answerOf(execFileSync(process.execPath, args(entry), { ...options(env), stdio: ['ignore', 'pipe', 'pipe'] })) ?? failure(new Error('no answer on stdout'));
  } catch (err) {
    return answerOf(String((err as { stdout?: string }).stdout ?? '')) ?? failure(err);
  }
}
