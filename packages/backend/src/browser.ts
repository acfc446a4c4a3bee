/**
 * initBackend in a browser: WebGPU, WebGL, wasm, cpu, with the same options, result and errors as
 * in Node. Software renderers (SwiftShader, lavapipe) run the same shaders on the CPU, slower than
 * wasm, so `auto` takes WebGPU and WebGL only on hardware, as it does in Node.
 */
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { activate, cpu, firstLine, initBackendOn, Skip, type BackendChoice, type BackendInfo, type Candidate, type InitBackendOptions, type Platform } from './init';
import { registerWasmTrainingKernels } from './wasm';

// Renderer names of WebGL on the CPU: Chrome's SwiftShader, Mesa's llvmpipe/softpipe, Windows' WARP.
const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|microsoft basic render/i;

function webgpu(hardwareOnly: boolean): Candidate {
  return {
    name: 'webgpu',
    async start() {
      const { browserGpu, startWebGpu, WebGpuUnavailable } = await import('./webgpu');
      try {
        const adapter = await startWebGpu({ hardwareOnly, gpu: browserGpu });
        const cores = browserCores();
        return { name: 'webgpu', choice: 'webgpu', device: adapter.software ? 'cpu' : 'gpu', threads: cores, adapter };
      } catch (err) {
        if (err instanceof WebGpuUnavailable) throw new Skip(err.message);
        throw err;
      }
    },
  };
}

interface GlContext {
  readonly RENDERER: number;
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL?: number; loseContext?(): void } | null;
  getParameter(name: number): unknown;
}
interface CanvasLike {
  getContext(kind: 'webgl2' | 'webgl'): GlContext | null;
}
interface BrowserGlobals {
  document?: { createElement(tag: 'canvas'): CanvasLike };
  OffscreenCanvas?: new (width: number, height: number) => CanvasLike;
}

/** What the page's WebGL reports as its renderer, or null when it has no WebGL at all. */
function webglRenderer(): string | null {
  const g = globalThis as BrowserGlobals;
  const canvas = g.document?.createElement('canvas') ?? (g.OffscreenCanvas ? new g.OffscreenCanvas(1, 1) : undefined);
  const gl = canvas?.getContext('webgl2') ?? canvas?.getContext('webgl');
  if (!gl) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(debug?.UNMASKED_RENDERER_WEBGL ?? gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext?.();
  return renderer;
}

function webgl(hardwareOnly: boolean): Candidate {
  return {
    name: 'webgl',
    async start() {
      const renderer = webglRenderer();
      if (renderer === null) throw new Skip('this browser gives the page no WebGL context');
      const software = SOFTWARE_RENDERERS.test(renderer);
      if (hardwareOnly && software) throw new Skip(`only a software WebGL renderer '${renderer}' (slower than wasm)`);
      await activate('webgl');
      return { name: 'webgl', choice: 'webgl', device: software ? 'cpu' : 'gpu', threads: browserCores() };
    },
  };
}

const wasm: Candidate = {
  name: 'wasm',
  async start({ threads, wasmPaths }) {
    // Both only count before wasm's first start; its module and thread pool are fixed after.
    if (wasmPaths !== undefined) setWasmPaths(wasmPaths);
    setThreadsCount(threads);
    try {
      await activate('wasm');
    } catch (err) {
      const where = wasmPaths === undefined ? 'beside the page script (or pass wasmPaths)' : `under wasmPaths ${JSON.stringify(wasmPaths)}`;
      throw new Skip(`${firstLine((err as Error).message)}; are tfjs-backend-wasm's .wasm files served ${where}?`);
    }
    registerWasmTrainingKernels();
    return { name: 'wasm', choice: 'wasm', device: 'cpu', threads: getThreadsCount() };
  },
};

function browserCores(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 1;
}

const BROWSER_PLATFORM: Platform = {
  choices: ['webgpu', 'webgl', 'wasm', 'cpu'],
  auto: [webgpu(true), webgl(true), wasm, cpu],
  candidates: { webgpu: [webgpu(false)], webgl: [webgl(false)], wasm: [wasm], cpu: [cpu] },
  elsewhere: {
    tensorflow: 'is native TensorFlow (@tensorflow/tfjs-node), which runs only in Node',
    onnxruntime: "is ONNX Runtime's native kernels (onnxruntime-node), which run only in Node",
  },
  cores: browserCores,
};

/** Every value `initBackend` accepts in a browser, in the order `auto` tries the concrete ones. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...BROWSER_PLATFORM.choices];

/**
 * Makes the fastest TF.js backend that works in this browser the active one and says what it chose.
 *
 * With `auto`, a skipped candidate is reported in `fallbacks` with a one-line reason; asking for a
 * specific backend that cannot start throws a `BackendUnavailableError` naming why.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  return initBackendOn(BROWSER_PLATFORM, options);
}
