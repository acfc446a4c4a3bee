/**
 * initBackend in Node: native TensorFlow (CUDA or CPU), WebGPU on Dawn, threaded wasm, cpu. The
 * `node` export condition resolves `@zoo/backend` to this build there.
 */
import * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { activate, cpu, firstLine, initBackendOn, Skip, type BackendChoice, type BackendInfo, type Candidate, type InitBackendOptions, type Platform } from '../init';

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
      const [{ startWebGpu, WebGpuUnavailable }, { dawnGpu, requireHardwareAdapter }] = await Promise.all([import('../webgpu'), import('./dawn')]);
      try {
        // auto asks a child process first: Dawn's stderr noise stays there unless WebGPU is chosen.
        if (hardwareOnly) await requireHardwareAdapter();
        const adapter = await startWebGpu({ hardwareOnly, gpu: dawnGpu });
        return { name: 'webgpu', choice: 'webgpu', device: adapter.software ? 'cpu' : 'gpu', threads: cpus().length, adapter };
      } catch (err) {
        if (err instanceof WebGpuUnavailable) throw new Skip(err.message);
        throw err;
      }
    },
  };
}

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

const NODE_PLATFORM: Platform = {
  choices: ['tensorflow', 'webgpu', 'onnxruntime', 'wasm', 'cpu'],
  // A software WebGPU adapter (lavapipe) is slower than wasm, so auto takes WebGPU only on hardware.
  auto: [tensorflowGpu, webgpu(true), tensorflowCpu, onnxruntime, wasm, cpu],
  candidates: {
    tensorflow: [tensorflowGpu, tensorflowCpu],
    webgpu: [webgpu(false)],
    onnxruntime: [onnxruntime],
    wasm: [wasm],
    cpu: [cpu],
  },
  elsewhere: { webgl: 'needs a browser (WebGL); in Node, use webgpu, tensorflow, wasm or cpu' },
  cores: () => cpus().length,
};

/**
 * Every value `initBackend` and `ZOO_BACKEND` accept in Node, roughly in the order `auto` tries the
 * concrete ones (auto tries native TensorFlow with CUDA, then WebGPU, then native TensorFlow on the CPU).
 */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...NODE_PLATFORM.choices];

/**
 * Makes the fastest TF.js backend that works here the active one and says what it chose.
 *
 * With `auto`, a skipped candidate is reported in `fallbacks` with a one-line reason; asking for a
 * specific backend that cannot start throws a `BackendUnavailableError` naming why.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  return initBackendOn(NODE_PLATFORM, options);
}
