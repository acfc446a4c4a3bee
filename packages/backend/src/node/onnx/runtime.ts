/**
 * The one module that touches onnxruntime-node's private synchronous binding.
 *
 * The package's public `InferenceSession.run` returns a Promise, but a TF.js kernel must return its
 * output synchronously. The binding underneath (`onnxruntime-node/dist/binding`: `initOrt()`,
 * `new binding.InferenceSession()`, `loadModel(buffer, offset, length, options)`,
 * `run(feeds, fetches, options)`) runs synchronously, about 5 µs a call. It is not a public API, so
 * the version is pinned exactly in package.json, {@link loadOnnxRuntime} checks the binding's shape
 * and a known answer before anything uses it, and any difference becomes a one-line reason to stay
 * on plain wasm instead of an error deep inside a kernel.
 */
import { encodeModel, type OnnxGraph } from './proto';

/** The onnxruntime-node release whose private binding this module was written against. */
export const ONNXRUNTIME_VERSION = '1.30.0';

/** A float32 tensor as the binding reads it (it looks only at these four fields). */
interface BindingTensor {
  data: Float32Array;
  dims: readonly number[];
  type: 'float32';
  location: 'cpu';
}

interface BindingSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, BindingTensor>, fetches: Record<string, BindingTensor | null>, options: object): Record<string, { data?: unknown }>;
  dispose(): void;
}

interface BindingModule {
  binding?: {
    InferenceSession?: new () => BindingSession;
    initOrtOnce?: unknown;
    listSupportedBackends?: () => { name: string }[];
  };
  initOrt?: () => void;
}

/** A loaded model whose `run` writes its one output into a caller's array (the wasm heap). */
export interface OrtSession {
  /**
   * Runs the graph on `inputs` (views, read in place) and writes output `output` into `into`.
   * @throws ORT's error, when the inputs do not match the graph.
   */
  run(inputs: Record<string, { data: Float32Array; dims: readonly number[] }>, output: string, into: { data: Float32Array; dims: readonly number[] }): void;
  dispose(): void;
}

/** onnxruntime-node, loaded and checked. */
export interface OnnxRuntime {
  version: string;
  /** Threads of each session's intra-op pool. */
  threads: number;
  /** Which MLAS kernels this CPU gets, as far as its flags tell: `AVX-512`, `AVX2`, `NEON`, … */
  isa: string | undefined;
  /**
   * A session for `graph` on the CPU execution provider, its intra-op pool `threads` threads
   * (default {@link OnnxRuntime.threads}).
   */
  session(graph: OnnxGraph, threads?: number): OrtSession;
}

/** onnxruntime-node could not be used; `reason` is the one line the backend line shows. */
export class OnnxRuntimeUnavailable extends Error {
  override name = 'OnnxRuntimeUnavailable';
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split('\n', 1)[0]
    .trim();
}

/** What the binding wraps each output in when onnxruntime-common's Tensor cannot be used. */
class OutputRecord {
  constructor(
    readonly type: string,
    readonly data: unknown,
    readonly dims: readonly number[],
  ) {}
}

const tensor = (data: Float32Array, dims: readonly number[]): BindingTensor => ({ data, dims, type: 'float32', location: 'cpu' });

/** What MLAS will dispatch to here, from the CPU's flags; `undefined` when they cannot be read. */
async function detectIsa(): Promise<string | undefined> {
  if (process.arch === 'arm64') return 'NEON';
  if (process.arch !== 'x64' || process.platform !== 'linux') return undefined;
  try {
    const { readFile } = await import('node:fs/promises');
    const flags = (await readFile('/proc/cpuinfo', 'utf8')).match(/^flags\s*:(.*)$/m)?.[1].split(/\s+/) ?? [];
    if (flags.includes('avx512f') && flags.includes('avx512bw')) return 'AVX-512';
    if (flags.includes('avx2') && flags.includes('fma')) return 'AVX2';
    return 'SSE';
  } catch {
    return undefined;
  }
}

/**
 * Session options. Sequential, one inter-op thread: each graph is one operator with its layout
 * transposes. Spinning off: a pool thread that spins after a run takes a core from the wasm kernels
 * that follow (pooling, element-wise), which run on the main thread between ORT calls.
 */
function sessionOptions(threads: number): object {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Fatal only: a failed run is reported once, in one line, by the kernel that falls back.
    logSeverityLevel: 4,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/**
 * Loads onnxruntime-node, checks that its private binding has the shape this module expects and
 * computes a known product correctly, and returns the handle the kernels use.
 * @param threads the intra-op pool size of every session, at least 1.
 * @throws {OnnxRuntimeUnavailable} with a one-line reason: not installed, its native part fails to
 *   load, another version, or a binding that does not look or answer as expected.
 */
export async function loadOnnxRuntime(threads: number): Promise<OnnxRuntime> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer; got ${String(threads)}`);
  let module: BindingModule;
  let version: string;
  try {
    const versionModule = (await import('onnxruntime-node/dist/version.js')) as { version?: string; default?: { version?: string } };
    version = String(versionModule.version ?? versionModule.default?.version);
    const loaded = (await import('onnxruntime-node/dist/binding.js')) as BindingModule & { default?: BindingModule };
    module = loaded.binding !== undefined ? loaded : (loaded.default ?? loaded);
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    const message = firstLine(err);
    if ((error?.code === 'MODULE_NOT_FOUND' || error?.code === 'ERR_MODULE_NOT_FOUND') && message.includes('onnxruntime-node')) {
      throw new OnnxRuntimeUnavailable('onnxruntime-node is not installed (optional; see README, "How the backend is chosen")');
    }
    throw new OnnxRuntimeUnavailable(`onnxruntime-node failed to load: ${message}`);
  }
  if (version !== ONNXRUNTIME_VERSION) {
    throw new OnnxRuntimeUnavailable(`onnxruntime-node ${version} is installed; @zoo/backend uses the private binding of ${ONNXRUNTIME_VERSION} only`);
  }
  const { binding, initOrt } = module;
  const Session = binding?.InferenceSession;
  if (typeof initOrt !== 'function' || typeof Session !== 'function' || typeof binding?.initOrtOnce !== 'function') {
    throw new OnnxRuntimeUnavailable('onnxruntime-node/dist/binding does not export initOrt and binding.InferenceSession as 1.30.0 did');
  }
  for (const method of ['loadModel', 'run', 'dispose'] as const) {
    if (typeof (Session.prototype as Record<string, unknown>)[method] !== 'function') {
      throw new OnnxRuntimeUnavailable(`onnxruntime-node's binding.InferenceSession has no ${method}()`);
    }
  }
  try {
    initOrt();
  } catch (err) {
    throw new OnnxRuntimeUnavailable(`onnxruntime-node failed to initialise: ${firstLine(err)}`);
  }
  const session = (graph: OnnxGraph, poolThreads = threads): OrtSession => {
    const bytes = encodeModel(graph);
    const native = new Session();
    native.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, sessionOptions(poolThreads));
    const runOptions = {};
    return {
      run(inputs, output, into) {
        const feeds: Record<string, BindingTensor> = {};
        for (const [name, t] of Object.entries(inputs)) feeds[name] = tensor(t.data, t.dims);
        // A preallocated fetch: ORT writes the result straight into `into` (the wasm heap).
        native.run(feeds, { [output]: tensor(into.data, into.dims) }, runOptions);
      },
      dispose: () => native.dispose(),
    };
  };
  try {
    checkKnownAnswer(session);
  } catch (err) {
    // The binding wraps every output, even a preallocated one, in the Tensor class initOrt() gave
    // it (onnxruntime-common's), whose constructor checks `data instanceof Float32Array`. In a vm
    // context (jest runs tests in one) the binding's arrays come from the host realm and fail that
    // check. The kernels never read the wrapper, so a plain record class serves instead.
    if (!/must be type of/.test(String((err as Error)?.message))) throw err;
    const { isMainThread } = await import('node:worker_threads');
    (binding.initOrtOnce as (logLevel: number, tensor: unknown, isMainThread: boolean) => void)(4, OutputRecord, isMainThread);
    checkKnownAnswer(session);
  }
  return { version, threads, isa: await detectIsa(), session };
}

/**
 * A 2x3 by 3x2 product through the same path the kernels use (views at an offset into a larger
 * buffer, a preallocated output): a binding that changed how it reads or writes tensors fails here.
 */
function checkKnownAnswer(session: (graph: OnnxGraph, threads?: number) => OrtSession): void {
  let probe: OrtSession | undefined;
  try {
    probe = session({
      nodes: [{ op: 'MatMul', inputs: ['A', 'B'], outputs: ['Y'] }],
      inputs: [
        { name: 'A', shape: [2, 3] },
        { name: 'B', shape: [3, 2] },
      ],
      outputs: [{ name: 'Y', shape: [2, 2] }],
    });
    const heap = new Float32Array(32);
    const a = heap.subarray(1, 7);
    const b = heap.subarray(9, 15);
    const y = heap.subarray(17, 21);
    a.set([1, 2, 3, 4, 5, 6]);
    b.set([7, 8, 9, 10, 11, 12]);
    probe.run({ A: { data: a, dims: [2, 3] }, B: { data: b, dims: [3, 2] } }, 'Y', { data: y, dims: [2, 2] });
    const expected = [58, 64, 139, 154];
    if (!expected.every((v, i) => y[i] === v) || heap[21] !== 0 || heap[16] !== 0) {
      throw new Error(`a known 2x3·3x2 product came back as [${Array.from(y).join(', ')}], expected [${expected.join(', ')}]`);
    }
  } catch (err) {
    throw new OnnxRuntimeUnavailable(`onnxruntime-node's binding failed its check: ${firstLine(err)}`);
  } finally {
    probe?.dispose();
  }
}
