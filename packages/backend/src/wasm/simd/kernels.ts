import type { backend_util, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { SIMD_MODULE_BASE64, SIMD_MODULE_SHARED_BASE64 } from './module';

/** The exports of kernels.wat; every address is a byte offset into wasm's heap. */
export interface SimdKernels {
  /**
   * dx of a max pool over x (NHWC), all of it written (no zeroing first); `idx` is int32 scratch
   * for one output row, outWidth * channels elements.
   */
  maxPoolGrad(
    x: number,
    idx: number,
    dy: number,
    dx: number,
    batch: number,
    inHeight: number,
    inWidth: number,
    channels: number,
    outHeight: number,
    outWidth: number,
    strideHeight: number,
    strideWidth: number,
    dilationHeight: number,
    dilationWidth: number,
    effectiveFilterHeight: number,
    effectiveFilterWidth: number,
    padTop: number,
    padLeft: number,
  ): void;
  biasAdd(x: number, bias: number, out: number, pixels: number, channels: number): void;
}

/**
 * {@link SimdKernels.maxPoolGrad} on heap tensors: `dx` (shaped like `x`) gets all of the
 * gradient. The one-row index scratch is allocated and freed here, and the heap addresses are
 * taken after that allocation, which may grow (and so detach) the heap.
 */
export function runMaxPoolGrad(
  wasm: BackendWasm,
  kernels: SimdKernels,
  operands: { x: TensorInfo; dy: TensorInfo; dx: TensorInfo },
  info: backend_util.Conv2DInfo,
): void {
  const where = wasm.makeOutput([info.outWidth * info.inChannels], 'int32');
  try {
    const at = (t: TensorInfo): number => wasm.typedArrayFromHeap(t).byteOffset;
    kernels.maxPoolGrad(
      at(operands.x),
      at(where),
      at(operands.dy),
      at(operands.dx),
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
      info.strideHeight,
      info.strideWidth,
      info.dilationHeight,
      info.dilationWidth,
      info.effectiveFilterHeight,
      info.effectiveFilterWidth,
      info.padInfo.top,
      info.padInfo.left,
    );
  } finally {
    wasm.disposeData(where.dataId);
  }
}

// The project's lib (ES2022, no "dom") declares no WebAssembly API; these are the parts used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
declare const WebAssembly: {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
};

interface EmscriptenMemoryHolder {
  asm?: { memory?: unknown };
  wasmMemory?: unknown;
}

// One instance per heap: instantiating is cheap but not free, and a process may start wasm again.
const instances = new WeakMap<WasmMemory, SimdKernels | null>();

function decode(base64: string): Uint8Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** wasm's heap as a `WebAssembly.Memory`: exported by the single-threaded builds, imported by the threaded one. */
function heapMemory(backend: BackendWasm): WasmMemory | undefined {
  const module = backend.wasm as unknown as EmscriptenMemoryHolder;
  const memory = module.asm?.memory ?? module.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/**
 * kernels.wat's kernels bound to `backend`'s heap, or undefined where they cannot run (no wasm SIMD,
 * or a tfjs-backend-wasm build whose memory is not reachable); callers then use the JavaScript
 * kernel, which computes the same values.
 */
export function simdKernels(backend: BackendWasm): SimdKernels | undefined {
  const memory = heapMemory(backend);
  if (memory === undefined) return undefined;
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      // Synchronous compilation: a kernel must return synchronously, and the module is about 1.6 KB
      // (browsers allow synchronous compilation on the main thread up to 4 KB).
      const module = new WebAssembly.Module(decode(shared ? SIMD_MODULE_SHARED_BASE64 : SIMD_MODULE_BASE64));
      kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
    } catch {
      kernels = null;
    }
    instances.set(memory, kernels);
  }
  return kernels ?? undefined;
}
