/**
 * TF.js kernels for the wasm backend that run on ONNX Runtime's CPU kernels (MLAS) where that
 * measured faster than the zoo's wasm kernel, and hand every other call to that kernel.
 *
 * Each call shape gets one cached ORT session. Inputs are read in place from the wasm heap (typed
 * array views); the output is allocated on the wasm heap as a tensor the wasm backend owns and ORT
 * writes into it directly, so nothing is copied on the JavaScript side.
 */
import {
  backend_util,
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  FusedConv2D,
  getKernel,
  MaxPoolGrad,
  util,
  _FusedMatMul,
  type BatchMatMulAttrs,
  type Conv2DAttrs,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type FusedConv2DAttrs,
  type MaxPoolGradAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type _FusedMatMulAttrs,
} from '@tensorflow/tfjs';
import { convFilterGradGraph, convFilterGradIm2colGraph, convForwardGraph, convInputGradAsConvGraph, convInputGradGraph, inputGradAsConvPads, matMulGraph, maxPoolGradGraph, type ConvShape, type GraphActivation, type MatMulShape, type PoolShape } from './graphs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convShapeOf } from '../../wasm/conv-geometry';
import { simdKernels } from '../../wasm/simd/kernels';
import type { OnnxGraph } from './proto';
import { convMacs, delegateConv, delegateMatMul, delegateMaxPoolGrad, im2colFilterGradient, inputGradientAsConv, sessionThreads, type ConvKernel, type DelegationPolicy } from './rules';
import type { OnnxRuntime, OrtSession } from './runtime';

const WASM = 'wasm';

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
}

/** How many calls went where, by kernel; for tests and the benchmark's report. */
export interface DelegationCounts {
  [kernel: string]: { onnx: number; wasm: number };
}

/** The most sessions kept at once; past it the least recently used one is released. */
const MAX_SESSIONS = 128;

/** Sessions by call shape, least recently used first. A `null` entry: ORT refused that shape. */
class SessionCache {
  private readonly sessions = new Map<string, OrtSession | null>();

  constructor(private readonly runtime: OnnxRuntime) {}

  get(key: string, threads: number, build: () => OnnxGraph | undefined): OrtSession | null {
    let session = this.sessions.get(key);
    if (session !== undefined) {
      this.sessions.delete(key);
      this.sessions.set(key, session);
      return session;
    }
    const graph = build();
    try {
      session = graph === undefined ? null : this.runtime.session(graph, threads);
    } catch (err) {
      // One shape ORT cannot load must not stop training: that shape stays on wasm.
      console.warn(`@zoo/backend: onnxruntime cannot run ${key} (${String((err as Error)?.message ?? err).split('\n', 1)[0]}); it runs on wasm`);
      session = null;
    }
    this.sessions.set(key, session);
    if (this.sessions.size > MAX_SESSIONS) {
      const [oldestKey, oldest] = this.sessions.entries().next().value as [string, OrtSession | null];
      oldest?.dispose();
      this.sessions.delete(oldestKey);
    }
    return session;
  }

  /** Marks `key` as one ORT failed to run, so later calls go to wasm. */
  refuse(key: string): void {
    this.sessions.get(key)?.dispose();
    this.sessions.set(key, null);
  }

  dispose(): void {
    for (const s of this.sessions.values()) s?.dispose();
    this.sessions.clear();
  }

  get size(): number {
    return this.sessions.size;
  }
}

/**
 * Whether ONNX's output size rule gives TF.js's output shape. TF.js 4.22 sizes a numeric `pad`
 * with the filter height and stride height in both dimensions (conv_util's computeOutputShape2D),
 * so with unequal strides or filter sides its shape is not the convolution's; those calls stay on
 * wasm, whose kernels follow TF.js's shape.
 */
function onnxAgrees(g: ConvShape): boolean {
  const size = (input: number, filter: number, stride: number, dilation: number, pads: number): number => Math.floor((input + pads - (filter - 1) * dilation - 1) / stride) + 1;
  return (
    size(g.inHeight, g.filterHeight, g.strideHeight, g.dilationHeight, g.padTop + g.padBottom) === g.outHeight &&
    size(g.inWidth, g.filterWidth, g.strideWidth, g.dilationWidth, g.padLeft + g.padRight) === g.outWidth
  );
}

const GRAPH_ACTIVATIONS: readonly string[] = ['linear', 'relu', 'sigmoid'];

function graphActivation(activation: string | undefined): GraphActivation | undefined {
  const a = activation ?? 'linear';
  return GRAPH_ACTIVATIONS.includes(a) ? (a as GraphActivation) : undefined;
}

/** Options of {@link onnxKernelConfigs}. */
export interface OnnxKernelOptions {
  /** `auto`: delegate where it measured faster (rules.ts); `always`/`never` for tests and benchmarks. Default `auto`. */
  policy?: DelegationPolicy;
  /**
   * Intra-op threads of each call shape's session: `auto` (rules.ts: one for small calls, the
   * runtime's pool size for large ones), or a number for every session (benchmarks). Default `auto`.
   */
  threads?: 'auto' | number;
  /**
   * Whether the wasm kernel `MaxPoolGrad` falls back to is the SIMD one (the wasm option
   * `simdMaxPoolGrad`, default true), which `auto` then never delegates against.
   */
  simdMaxPoolGrad?: boolean;
  /**
   * The ORT graph of a delegated filter gradient: `dilated` (one convolution over the batch axis,
   * as the wasm kernel's), `im2col` (strided slices of x and one Gemm, no transposes), or `auto`,
   * per shape as measured (rules.ts). Default `auto`.
   */
  filterGradient?: OnnxFilterGradient;
  /**
   * The ORT graph of a delegated input gradient: `transpose` (ConvTranspose), `conv` (a forward
   * Conv over the padded dy with the filter turned 180 degrees; stride 1 and no dilation only,
   * others take ConvTranspose), or `auto`, per shape as measured (rules.ts). Default `auto`.
   */
  inputGradient?: OnnxInputGradient;
}

/** Choices of {@link OnnxKernelOptions.inputGradient}. */
export type OnnxInputGradient = 'auto' | 'transpose' | 'conv';

/** Choices of {@link OnnxKernelOptions.filterGradient}. */
export type OnnxFilterGradient = 'auto' | 'dilated' | 'im2col';

/** The registered kernel set: its configs, and what the benchmark and tests inspect. */
export interface OnnxKernels {
  configs: KernelConfig[];
  counts: DelegationCounts;
  /** Live ORT sessions (one per call shape seen). */
  sessionCount(): number;
  /** Releases every session (later calls build them again). */
  dispose(): void;
}

/**
 * Kernel configs for the wasm backend that delegate to `runtime`, each falling back to the kernel
 * registered for wasm when this is called (the zoo's training kernels, if they were registered
 * first, as `registerOnnxRuntimeKernels` ensures).
 */
export function onnxKernelConfigs(runtime: OnnxRuntime, options: OnnxKernelOptions = {}): OnnxKernels {
  const policy = options.policy ?? 'auto';
  const fixedThreads = options.threads ?? 'auto';
  if (fixedThreads !== 'auto' && !(Number.isInteger(fixedThreads) && fixedThreads >= 1)) {
    throw new Error(`threads must be 'auto' or a positive integer; got ${String(fixedThreads)}`);
  }
  const threadsFor = (macs: number, kernel?: ConvKernel): number => (fixedThreads === 'auto' ? sessionThreads(macs, runtime.threads, kernel) : fixedThreads);
  const cache = new SessionCache(runtime);
  const counts: DelegationCounts = {};
  const count = (kernel: string, where: 'onnx' | 'wasm'): void => {
    counts[kernel] ??= { onnx: 0, wasm: 0 };
    counts[kernel][where] += 1;
  };

  /**
   * Runs `session` with inputs read from the heap and a fresh wasm output of `shape`, or returns
   * `undefined` (the caller then uses wasm) when ORT throws, after marking the shape refused.
   */
  const run = (backend: WasmHeapBackend, key: string, session: OrtSession, feeds: Record<string, TensorInfo>, output: string, shape: number[], dims: readonly number[] = shape): TensorInfo | undefined => {
    // Allocate first: a malloc that grows the wasm memory detaches views taken before it.
    const out = backend.makeOutput(shape, 'float32');
    try {
      const inputs: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
      for (const [name, info] of Object.entries(feeds)) inputs[name] = { data: backend.typedArrayFromHeap(info), dims: info.shape };
      session.run(inputs, output, { data: backend.typedArrayFromHeap(out), dims });
      return out;
    } catch (err) {
      backend.disposeData(out.dataId);
      console.warn(`@zoo/backend: onnxruntime failed on ${key} (${String((err as Error)?.message ?? err).split('\n', 1)[0]}); it runs on wasm`);
      cache.refuse(key);
      return undefined;
    }
  };

  /** `key`'s cached session run on `feeds` (see {@link run}), or `undefined` where ORT refused the shape or failed. */
  const onnx = (
    backend: WasmHeapBackend,
    key: string,
    macs: number,
    build: () => OnnxGraph | undefined,
    feeds: Record<string, TensorInfo>,
    output: string,
    shape: number[],
    dims?: readonly number[],
    kernel?: ConvKernel,
  ): TensorInfo | undefined => {
    const session = cache.get(key, threadsFor(macs, kernel), build);
    return session === null ? undefined : run(backend, key, session, feeds, output, shape, dims);
  };

  /**
   * A kernel for `name` that tries `attempt` (ORT, where the shape is delegated) and otherwise hands
   * the call to the kernel registered for wasm now, counting where each call went.
   */
  const delegating = (name: string, attempt: (args: Parameters<KernelFunc>[0], backend: WasmHeapBackend) => TensorInfo | undefined): KernelConfig => {
    const config = getKernel(name, WASM);
    if (config === undefined) throw new Error(`The wasm backend has no '${name}' kernel to fall back on; is @tensorflow/tfjs-backend-wasm loaded?`);
    const fallback = config.kernelFunc;
    const kernelFunc: KernelFunc = (args) => {
      const out = attempt(args, args.backend as unknown as WasmHeapBackend);
      if (out !== undefined) {
        count(name, 'onnx');
        return out;
      }
      count(name, 'wasm');
      return fallback(args);
    };
    return { kernelName: name, backendName: WASM, setupFunc: config.setupFunc, kernelFunc };
  };

  const allFloat = (...infos: (TensorInfo | undefined)[]): boolean => infos.every((t) => t === undefined || (t.dtype === 'float32' && util.sizeFromShape(t.shape) > 0));

  // The gradient graphs are written from TF.js's shapes (dy's, the filter's), so only the forward
  // one depends on ONNX sizing the output as TF.js does.
  /** Whether the policy sends this call to ORT: always, never, or (`auto`) where `measuredFaster` says. */
  const delegated = (measuredFaster: () => boolean): boolean => policy === 'always' || (policy === 'auto' && measuredFaster());
  const wants = (kernel: ConvKernel, g: ConvShape): boolean => (kernel !== 'forward' || onnxAgrees(g)) && delegated(() => delegateConv(kernel, g, runtime.threads));

  // ---- Conv2D and FusedConv2D ----
  const convForward = (name: typeof Conv2D | typeof FusedConv2D): KernelConfig =>
    delegating(name, ({ inputs, attrs }, backend) => {
      const { x, filter, bias, preluActivationWeights } = inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
      const a = attrs as unknown as Conv2DAttrs & Partial<FusedConv2DAttrs>;
      const activation = graphActivation(a.activation);
      const usable =
        a.dataFormat !== 'NCHW' &&
        activation !== undefined &&
        preluActivationWeights === undefined &&
        allFloat(x, filter, bias) &&
        (bias === undefined || util.sizeFromShape(bias.shape) === filter.shape[3]);
      if (!usable) return undefined;
      const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], a.strides, a.dilations, a.pad, a.dimRoundingMode, false, 'channelsLast');
      const g = convShapeOf(info);
      if (!wants('forward', g)) return undefined;
      const feeds: Record<string, TensorInfo> = bias === undefined ? { X: x, W: filter } : { X: x, W: filter, B: { ...bias, shape: [g.outChannels] } };
      return onnx(backend, `Conv ${JSON.stringify(g)} bias=${bias !== undefined} ${activation}`, convMacs(g), () => convForwardGraph(g, bias !== undefined, activation), feeds, 'Y', [
        g.batch,
        g.outHeight,
        g.outWidth,
        g.outChannels,
      ]);
    });

  // ---- Conv2DBackpropInput ----
  const inputGrad = (): KernelConfig =>
    delegating(Conv2DBackpropInput, ({ inputs, attrs }, backend) => {
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      const a = attrs as unknown as Conv2DBackpropInputAttrs;
      if (a.dataFormat === 'NCHW' || !allFloat(dy, filter)) return undefined;
      const info = backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
      const g = convShapeOf(info);
      if (!wants('inputGradient', g)) return undefined;
      const choice = options.inputGradient ?? 'auto';
      // The forward form only where it gives back dx (`conv` asks for it; `auto` by the rule, which checks that too).
      const asConv = choice === 'conv' ? inputGradAsConvPads(g) !== undefined : choice === 'auto' && inputGradientAsConv(g);
      const key = `${asConv ? 'ConvInputGrad' : 'ConvTranspose'} ${JSON.stringify(g)}`;
      const graph = (): OnnxGraph | undefined => (asConv ? convInputGradAsConvGraph(g) : convInputGradGraph(g));
      return onnx(backend, key, convMacs(g), graph, { DY: dy, W: filter }, 'DX', [g.batch, g.inHeight, g.inWidth, g.inChannels], undefined, 'inputGradient');
    });

  // ---- Conv2DBackpropFilter ----
  const filterGrad = (): KernelConfig =>
    delegating(Conv2DBackpropFilter, ({ inputs, attrs }, backend) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const a = attrs as unknown as Conv2DBackpropFilterAttrs;
      if (a.dataFormat === 'NCHW' || !allFloat(x, dy)) return undefined;
      const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
      const g = convShapeOf(info);
      if (!wants('filterGradient', g)) return undefined;
      const choice = options.filterGradient ?? 'auto';
      const im2col = choice === 'im2col' || (choice === 'auto' && im2colFilterGradient(g));
      const key = `ConvFilterGrad ${im2col ? 'im2col' : 'dilated'} ${JSON.stringify(g)}`;
      const graph = (): OnnxGraph => (im2col ? convFilterGradIm2colGraph(g) : convFilterGradGraph(g));
      return onnx(backend, key, convMacs(g), graph, { X: x, DY: dy }, 'DW', [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels], undefined, 'filterGradient');
    });

  // ---- BatchMatMul and _FusedMatMul ----
  const matMul = (name: typeof BatchMatMul | typeof _FusedMatMul): KernelConfig =>
    delegating(name, ({ inputs, attrs }, backend) => {
      const { a, b, bias, preluActivationWeights } = inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
      const at = attrs as unknown as BatchMatMulAttrs & Partial<_FusedMatMulAttrs>;
      const activation = graphActivation(at.activation);
      const aRank = a.shape.length;
      const bRank = b.shape.length;
      // Only unbatched products (every dense layer's, as TF.js passes them: [1, m, k]).
      const unbatched = aRank >= 2 && bRank >= 2 && util.sizeFromShape(a.shape.slice(0, -2)) === 1 && util.sizeFromShape(b.shape.slice(0, -2)) === 1;
      if (activation === undefined || preluActivationWeights !== undefined || !allFloat(a, b, bias) || !unbatched) return undefined;
      const s: MatMulShape = {
        m: at.transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2],
        k: at.transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1],
        n: at.transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1],
        transposeA: at.transposeA,
        transposeB: at.transposeB,
      };
      const kB = at.transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
      const biasOk = bias === undefined || util.sizeFromShape(bias.shape) === s.n;
      if (kB !== s.k || !biasOk || !delegated(() => delegateMatMul(s, runtime.threads))) return undefined;
      const feeds: Record<string, TensorInfo> = {
        A: { ...a, shape: at.transposeA ? [s.k, s.m] : [s.m, s.k] },
        B: { ...b, shape: at.transposeB ? [s.n, s.k] : [s.k, s.n] },
      };
      if (bias !== undefined) feeds.C = { ...bias, shape: [s.n] };
      const outShape = [...new Array<number>(Math.max(aRank, bRank) - 2).fill(1), s.m, s.n];
      const key = `Gemm ${JSON.stringify(s)} bias=${bias !== undefined} ${activation}`;
      return onnx(backend, key, s.m * s.k * s.n, () => matMulGraph(s, bias !== undefined, activation), feeds, 'Y', outShape, [s.m, s.n]);
    });

  // ---- MaxPoolGrad ----
  const maxPoolGrad = (): KernelConfig =>
    delegating(MaxPoolGrad, ({ inputs, attrs }, backend) => {
      const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
      const a = attrs as unknown as MaxPoolGradAttrs;
      if (!allFloat(dy, input) || input.shape.length !== 4) return undefined;
      const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
      const p: PoolShape = {
        batch: info.batchSize,
        inHeight: info.inHeight,
        inWidth: info.inWidth,
        channels: info.inChannels,
        outHeight: info.outHeight,
        outWidth: info.outWidth,
        filterHeight: info.filterHeight,
        filterWidth: info.filterWidth,
        strideHeight: info.strideHeight,
        strideWidth: info.strideWidth,
        padTop: info.padInfo.top,
        padBottom: info.padInfo.bottom,
        padLeft: info.padInfo.left,
        padRight: info.padInfo.right,
      };
      // MaxUnpool writes rather than adds: overlapping windows would lose gradient.
      const disjoint = p.strideHeight >= p.filterHeight && p.strideWidth >= p.filterWidth;
      const sameShape = p.outHeight === dy.shape[1] && p.outWidth === dy.shape[2];
      const simdFallback = options.simdMaxPoolGrad !== false && simdKernels(backend as unknown as BackendWasm) !== undefined;
      if (!disjoint || !sameShape || !delegated(() => delegateMaxPoolGrad(p, simdFallback))) return undefined;
      return onnx(backend, `MaxPoolGrad ${JSON.stringify(p)}`, util.sizeFromShape(input.shape), () => maxPoolGradGraph(p), { X: input, DY: dy }, 'DX', [...input.shape]);
    });

  return {
    configs: [convForward(Conv2D), convForward(FusedConv2D), inputGrad(), filterGrad(), matMul(BatchMatMul), matMul(_FusedMatMul), maxPoolGrad()],
    counts,
    sessionCount: () => cache.size,
    dispose: () => cache.dispose(),
  };
}
