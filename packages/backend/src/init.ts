import * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { MAX_WASM_THREADS } from './wasm/threads';
import { adapterLabel, type GpuAdapterInfo } from './webgpu/adapter';

/**
 * Where a run may put its tensors. `auto` picks the fastest one that starts. `onnxruntime` is the
 * wasm backend with ONNX Runtime's native CPU kernels for the convolutions and dense products
 * ("wasm + onnxruntime"); `wasm` is plain wasm, without them.
 */
export type BackendChoice = 'auto' | 'tensorflow' | 'webgpu' | 'onnxruntime' | 'wasm' | 'cpu';

/**
 * Every value `initBackend` and `ZOO_BACKEND` accept, roughly in the order `auto` tries the concrete
 * ones (auto tries native TensorFlow with CUDA, then WebGPU, then native TensorFlow on the CPU).
 */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'webgpu', 'onnxruntime', 'wasm', 'cpu'];

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
  /** The TF.js backend name now active: `tensorflow`, `webgpu`, `wasm` or `cpu`. */
  name: string;
  /**
   * The choice that starts this same backend again (in a worker, say): `name`, except that wasm
   * with ONNX Runtime's kernels is `onnxruntime`.
   */
  choice: Exclude<BackendChoice, 'auto'>;
  /** Set when ONNX Runtime computes the convolutions and dense products (`choice` `onnxruntime`). */
  onnxruntime?: OnnxRuntimeInfo;
  /** `gpu` only when the kernels run on a GPU (not for WebGPU on a software rasteriser). */
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
   * Which backend to use. Default: the `ZOO_BACKEND` environment variable, else `auto`, which tries
   * @tensorflow/tfjs-node-gpu (with a CUDA device), WebGPU on a hardware adapter, @tensorflow/tfjs-node,
   * wasm, then cpu. `webgpu` accepts any adapter, a software rasteriser such as lavapipe included.
   */
  backend?: BackendChoice;
  /**
   * Threads for the wasm backend's XNNPACK pool, 1 to 8, or with `onnxruntime` for ORT's intra-op
   * pool (wasm then runs on one). Default: the `ZOO_WASM_THREADS` environment
   * variable, else one per core (at most 8). Several models training side by side in worker threads
   * should split the cores between them rather than each take all of them. It only applies when this
   * call is the first to start wasm in the thread: the pool is fixed once wasm has started.
   */
  threads?: number;
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
class Skip extends Error {}

interface Candidate {
  name: string;
  start(options: { threads: number }): Promise<Omit<BackendInfo, 'fallbacks'>>;
}

/**
 * Loads an optional package. Failure to find or to load its native part becomes a one-line reason,
 * because a stack trace from inside node-pre-gyp tells a user nothing about what to do.
 */
async function loadOptional(pkg: string): Promise<void> {
  // tfjs-node and tfjs-node-gpu register their kernels before they load the native binding, so after
  // a failed tfjs-node-gpu, loading tfjs-node re-registers ~150 kernels, each with a warning that
  // says nothing useful to the user: the outcome is reported as a fallback reason instead.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && /^The kernel '.+' for backend 'tensorflow' is already registered/.test(args[0])) return;
    warn(...args);
  };
  try {
    await import(pkg);
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    const message = String(error?.message ?? err);
    if ((error?.code === 'MODULE_NOT_FOUND' || error?.code === 'ERR_MODULE_NOT_FOUND') && message.includes(pkg)) {
      throw new Skip(`${pkg} is not installed`);
    }
    if (/tfjs_binding\.node|native addon/i.test(message)) {
      throw new Skip(`${pkg} is installed but its native binary is missing (the libtensorflow download failed at install time)`);
    }
    if (/libcud|libcublas|libcudnn|cuda/i.test(message)) {
      throw new Skip(`${pkg} cannot load CUDA libraries: ${firstLine(message)}`);
    }
    throw new Skip(`${pkg} failed to load: ${firstLine(message)}`);
  } finally {
    console.warn = warn;
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0].trim();
}

async function activate(name: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    throw new Skip(`backend '${name}' failed to initialise: ${firstLine(String((err as Error)?.message ?? err))}`);
  }
  if (!ok) throw new Skip(`backend '${name}' failed to initialise`);
  await tf.ready();
}

function tensorflowUsesGpu(): boolean {
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  return backend.isUsingGpuDevice === true;
}

const tensorflowGpu: Candidate = {
  name: 'tensorflow-gpu',
  async start() {
    await loadOptional('@tensorflow/tfjs-node-gpu');
    await activate('tensorflow');
    if (!tensorflowUsesGpu()) throw new Skip('@tensorflow/tfjs-node-gpu loaded, but TensorFlow sees no CUDA device');
    return { name: 'tensorflow', choice: 'tensorflow', device: 'gpu', threads: cpus().length };
  },
};

const tensorflowCpu: Candidate = {
  name: 'tensorflow',
  async start() {
    // tfjs-node-gpu registers the same 'tensorflow' backend; if it loaded (without a GPU), it serves as
    // the native CPU backend and loading tfjs-node beside it would register the kernels twice.
    if (tf.findBackendFactory('tensorflow') == null) await loadOptional('@tensorflow/tfjs-node');
    await activate('tensorflow');
    return { name: 'tensorflow', choice: 'tensorflow', device: tensorflowUsesGpu() ? 'gpu' : 'cpu', threads: cpus().length };
  },
};

function webgpu(hardwareOnly: boolean): Candidate {
  return {
    name: 'webgpu',
    async start() {
      const { startWebGpu, WebGpuUnavailable } = await import('./webgpu');
      try {
        const adapter = await startWebGpu({ hardwareOnly });
        return { name: 'webgpu', choice: 'webgpu', device: adapter.software ? 'cpu' : 'gpu', threads: cpus().length, adapter };
      } catch (err) {
        if (err instanceof WebGpuUnavailable) throw new Skip(err.message);
        throw err;
      }
    },
  };
}

const onnxruntime: Candidate = {
  name: 'onnxruntime',
  async start({ threads }) {
    const { startWasmWithOnnxRuntime } = await import('./onnx/start');
    const { OnnxRuntimeUnavailable } = await import('./onnx/runtime');
    try {
      const runtime = await startWasmWithOnnxRuntime(threads);
      return {
        name: 'wasm',
        choice: 'onnxruntime',
        device: 'cpu',
        threads: runtime.threads,
        onnxruntime: { version: runtime.version, threads: runtime.threads, ...(runtime.isa === undefined ? {} : { isa: runtime.isa }) },
      };
    } catch (err) {
      if (err instanceof OnnxRuntimeUnavailable) throw new Skip(err.message);
      throw err;
    }
  },
};

const wasm: Candidate = {
  name: 'wasm',
  async start({ threads: wanted }) {
    const { startWasm } = await import('./wasm-start');
    const threads = await startWasm(wanted).catch((err: unknown) => {
      throw new Skip(`wasm failed to start: ${firstLine(String((err as Error)?.message ?? err))}`);
    });
    // Plain wasm: an earlier initBackend in this process may have put ONNX Runtime's kernels in place.
    const { unregisterOnnxRuntimeKernels } = await import('./onnx/register');
    unregisterOnnxRuntimeKernels();
    return { name: 'wasm', choice: 'wasm', device: 'cpu', threads };
  },
};

const cpu: Candidate = {
  name: 'cpu',
  async start() {
    await activate('cpu');
    return { name: 'cpu', choice: 'cpu', device: 'cpu', threads: 1 };
  },
};

const CANDIDATES: Record<Exclude<BackendChoice, 'auto'>, Candidate[]> = {
  tensorflow: [tensorflowGpu, tensorflowCpu],
  webgpu: [webgpu(false)],
  onnxruntime: [onnxruntime],
  wasm: [wasm],
  cpu: [cpu],
};

// A software WebGPU adapter (lavapipe) is slower than wasm, so auto takes WebGPU only on hardware.
const AUTO_ORDER: Candidate[] = [tensorflowGpu, webgpu(true), tensorflowCpu, onnxruntime, wasm, cpu];

function resolveThreads(options: InitBackendOptions): number {
  const fromEnv = process.env.ZOO_WASM_THREADS?.trim();
  const source = options.threads !== undefined ? 'threads option' : 'ZOO_WASM_THREADS';
  const requested = options.threads ?? (fromEnv ? Number(fromEnv) : Math.min(cpus().length, MAX_WASM_THREADS));
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_WASM_THREADS) {
    throw new RangeError(`${source}: expected an integer from 1 to ${MAX_WASM_THREADS}, got '${options.threads ?? fromEnv}'`);
  }
  return requested;
}

function resolveChoice(options: InitBackendOptions): BackendChoice {
  const fromEnv = process.env.ZOO_BACKEND?.trim();
  const requested = options.backend ?? (fromEnv ? fromEnv : 'auto');
  if (!BACKEND_CHOICES.includes(requested as BackendChoice)) {
    const source = options.backend !== undefined ? 'backend option' : 'ZOO_BACKEND';
    throw new RangeError(`${source}: unknown backend '${requested}'; expected one of ${BACKEND_CHOICES.join(', ')}`);
  }
  return requested as BackendChoice;
}

/**
 * Makes the fastest TF.js backend that works here the active one and says what it chose.
 *
 * With `auto`, a skipped candidate is reported in `fallbacks` with a one-line reason; asking for a
 * specific backend that cannot start throws a `BackendUnavailableError` naming why.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const choice = resolveChoice(options);
  const threads = resolveThreads(options);
  const candidates = choice === 'auto' ? AUTO_ORDER : CANDIDATES[choice];
  const fallbacks: BackendFallback[] = [];
  for (const candidate of candidates) {
    try {
      const info = await candidate.start({ threads });
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
