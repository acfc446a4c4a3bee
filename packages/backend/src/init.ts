/**
 * What initBackend shares between Node and the browser: its options and result, the error it
 * throws, and the loop that tries candidates in order. Each platform (src/browser.ts, src/node/init.ts)
 * brings its own candidates; nothing here touches a platform API.
 */
import * as tf from '@tensorflow/tfjs';
import { MAX_WASM_THREADS } from './wasm/limits';
import { adapterLabel, type GpuAdapterInfo } from './webgpu/adapter';

/**
 * Where a run may put its tensors. `auto` picks the fastest one that starts. `tensorflow` (native
 * TensorFlow) and `onnxruntime` exist only in Node, `webgl` only in a browser. `onnxruntime` is the
 * wasm backend with ONNX Runtime's native CPU kernels for the convolutions and dense products
 * ("wasm + onnxruntime"); `wasm` is plain wasm, without them.
 */
export type BackendChoice = 'auto' | 'tensorflow' | 'webgpu' | 'webgl' | 'onnxruntime' | 'wasm' | 'cpu';

/** ONNX Runtime serving the wasm backend's heavy kernels. */
export interface OnnxRuntimeInfo {
  /** onnxruntime-node's version. */
  version: string;
  /** The MLAS kernels this CPU gets, from its flags (`AVX-512`, `AVX2`, `NEON`), when known. */
  isa?: string;
  /** Threads of ORT's intra-op pool. */
  threads: number;
}

/** A faster backend that was passed over, and why, in one human line. */
export interface BackendFallback {
  /** e.g. `tensorflow-gpu` (@tensorflow/tfjs-node-gpu), `webgpu`, `tensorflow` (@tensorflow/tfjs-node), `wasm`. */
  name: string;
  reason: string;
}

/** What `initBackend` settled on. */
export interface BackendInfo {
  /** The TF.js backend name now active: `tensorflow`, `webgpu`, `webgl`, `wasm` or `cpu`. */
  name: string;
  /**
   * The choice that starts this same backend again (in a worker, say): `name`, except that wasm
   * with ONNX Runtime's kernels is `onnxruntime`.
   */
  choice: Exclude<BackendChoice, 'auto'>;
  /** Set when ONNX Runtime computes the convolutions and dense products (`choice` `onnxruntime`). */
  onnxruntime?: OnnxRuntimeInfo;
  /** `gpu` only when the kernels run on a GPU (not for WebGPU or WebGL on a software rasteriser). */
  device: 'gpu' | 'cpu';
  /** Threads the backend computes with (for a GPU backend, the host's threads). */
  threads: number;
  /** The WebGPU adapter, when `name` is `webgpu`: which GPU (or software rasteriser) a run uses. */
  adapter?: GpuAdapterInfo;
  /** Faster candidates that were skipped, in the order they were tried. */
  fallbacks: BackendFallback[];
}

export interface InitBackendOptions {
  /**
   * Which backend to use. Default: the `ZOO_BACKEND` environment variable (Node), else `auto`. In
   * Node, `auto` tries @tensorflow/tfjs-node-gpu (with a CUDA device), WebGPU on a hardware adapter,
   * @tensorflow/tfjs-node, wasm, then cpu; in a browser, WebGPU on a hardware adapter, WebGL on
   * a hardware renderer, wasm, then cpu. `webgpu` and `webgl` asked for by name accept a software
   * rasteriser (lavapipe, SwiftShader) too.
   */
  backend?: BackendChoice;
  /**
   * Threads for the wasm backend's XNNPACK pool, 1 to 8, or with `onnxruntime` for ORT's intra-op
   * pool (wasm then runs on one). Default: the `ZOO_WASM_THREADS` environment
   * variable, else one per core (at most 8). Several models training side by side in worker threads
   * should split the cores between them rather than each take all of them. It only applies when this
   * call is the first to start wasm in the thread: the pool is fixed once wasm has started. In a
   * browser, wasm runs threads only on a cross-origin-isolated page.
   */
  threads?: number;
  /**
   * Browser only: where the page serves tfjs-backend-wasm's `.wasm` files (the files in
   * `@tensorflow/tfjs-backend-wasm/dist/`), as a URL prefix ending in `/` or a map from file name
   * to URL; see tfjs-backend-wasm's `setWasmPaths`. Default: the files beside the page's script.
   * Node reads them from node_modules and ignores this.
   */
  wasmPaths?: string | Record<string, string>;
}

/** The backend that was asked for cannot start here; the message says why. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
  constructor(
    message: string,
    /** Every candidate tried for this request, and why each failed. */
    readonly attempts: BackendFallback[],
  ) {
    super(message);
  }
}

/** Thrown by a candidate that cannot start; `message` is the one-line human reason. */
export class Skip extends Error {}

/** One backend a platform can try. */
export interface Candidate {
  name: string;
  start(options: { threads: number; wasmPaths?: string | Record<string, string> }): Promise<Omit<BackendInfo, 'fallbacks'>>;
}

/** What a platform brings to {@link initBackendOn}. */
export interface Platform {
  /** The concrete choices it accepts, in `auto`'s order of preference. */
  choices: readonly Exclude<BackendChoice, 'auto'>[];
  /** What `auto` tries, in order. */
  auto: readonly Candidate[];
  /** What each choice tries. */
  candidates: Readonly<Partial<Record<BackendChoice, readonly Candidate[]>>>;
  /** Why a choice that only the other platform has cannot be had here. */
  elsewhere: Readonly<Partial<Record<BackendChoice, string>>>;
  /** Cores (logical CPUs) the default thread count is taken from. */
  cores(): number;
}

export function firstLine(text: string): string {
  return text.split('\n', 1)[0].trim();
}

/** Makes `name` the active TF.js backend, or skips it with the reason. */
export async function activate(name: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    throw new Skip(`backend '${name}' failed to initialise: ${firstLine(String((err as Error)?.message ?? err))}`);
  }
  if (!ok) throw new Skip(`backend '${name}' failed to initialise`);
  await tf.ready();
}

/** TF.js's pure-JavaScript backend: the last resort, on every platform. */
export const cpu: Candidate = {
  name: 'cpu',
  async start() {
    await activate('cpu');
    return { name: 'cpu', choice: 'cpu', device: 'cpu', threads: 1 };
  },
};

/** An environment variable where there is a `process` (Node), else undefined (a browser). */
function env(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name]?.trim();
}

function resolveThreads(options: InitBackendOptions, platform: Platform): number {
  const fromEnv = env('ZOO_WASM_THREADS');
  const source = options.threads !== undefined ? 'threads option' : 'ZOO_WASM_THREADS';
  const requested = options.threads ?? (fromEnv ? Number(fromEnv) : Math.min(platform.cores(), MAX_WASM_THREADS));
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_WASM_THREADS) {
    throw new RangeError(`${source}: expected an integer from 1 to ${MAX_WASM_THREADS}, got '${options.threads ?? fromEnv}'`);
  }
  return requested;
}

function resolveChoice(options: InitBackendOptions, platform: Platform): BackendChoice {
  const fromEnv = env('ZOO_BACKEND');
  const requested = options.backend ?? (fromEnv ? fromEnv : 'auto');
  const source = options.backend !== undefined ? 'backend option' : 'ZOO_BACKEND';
  const elsewhere = platform.elsewhere[requested as BackendChoice];
  if (elsewhere !== undefined) throw new RangeError(`${source}: backend '${requested}' ${elsewhere}`);
  const choices = ['auto', ...platform.choices];
  if (!choices.includes(requested)) {
    throw new RangeError(`${source}: unknown backend '${requested}'; expected one of ${choices.join(', ')}`);
  }
  return requested as BackendChoice;
}

/**
 * Makes the fastest of `platform`'s backends that works here the active one and says what it chose.
 *
 * With `auto`, a skipped candidate is reported in `fallbacks` with a one-line reason; asking for a
 * specific backend that cannot start throws a `BackendUnavailableError` naming why.
 */
export async function initBackendOn(platform: Platform, options: InitBackendOptions = {}): Promise<BackendInfo> {
  const choice = resolveChoice(options, platform);
  const threads = resolveThreads(options, platform);
  const candidates = choice === 'auto' ? platform.auto : (platform.candidates[choice] ?? []);
  const fallbacks: BackendFallback[] = [];
  for (const candidate of candidates) {
    try {
      const info = await candidate.start({ threads, wasmPaths: options.wasmPaths });
      return { ...info, fallbacks };
    } catch (err) {
      if (!(err instanceof Skip)) throw err;
      fallbacks.push({ name: candidate.name, reason: err.message });
    }
  }
  const why = fallbacks.map((f) => `${f.name}: ${f.reason}`).join('; ');
  throw new BackendUnavailableError(`backend '${choice}' cannot start here (${why})`, fallbacks);
}

/** One line for a run's log: what computes, on what, and why faster backends were skipped. */
export function describeBackend(info: BackendInfo): string {
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  const where = info.adapter ? adapterLabel(info.adapter) : threads;
  const ort = info.onnxruntime;
  const name = ort === undefined ? info.name : `${info.name} + onnxruntime (MLAS${ort.isa === undefined ? '' : `, ${ort.isa}`})`;
  let line = `backend: ${name} on ${info.device.toUpperCase()} (${where})`;
  if (info.fallbacks.length > 0) {
    line += `; skipped ${info.fallbacks.map((f) => `${f.name} (${f.reason})`).join(', ')}`;
  }
  return line;
}
