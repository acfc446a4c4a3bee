import '@tensorflow/tfjs-backend-wasm';
import { Add, BatchMatMul, Cast, Conv2DBackpropInput, getKernel, Identity, MaxPoolGrad, PadV2, registerKernel, Sum, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs';
import { batchMatMulConfig } from './batch-mat-mul';
import { biasAddConfig } from './bias-add';
import { CHUNK_ELEMENTS, conv2dBackpropFilterConfig, FILTER_GRADIENT_CHOICES, type FilterGradientChoice } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig, type InputGradientAlgorithm } from './conv2d-backprop-input';
import { castConfig, identityConfig } from './identity';
import { WASM } from './kernel-scope';
import { maxPoolGradConfig } from './max-pool-grad';
import { padConfig } from './pad';
import { sumConfig } from './sum';

/** Choices for {@link registerWasmTrainingKernels}; every field is optional. */
export interface WasmTrainingKernelOptions {
  /**
   * How `Conv2DBackpropFilter` (missing from wasm) is computed. Default `auto`: per layer, `im2col`
   * where the patch matrix is no wider than dy (a first layer with few taps and many filters), else
   * `dilated`, as measured fastest on every zoo layer (docs/performance.md).
   */
  filterGradient?: FilterGradientChoice;
  /**
   * How `Conv2DBackpropInput` is computed. Default `auto`: the flipped-filter forward convolution
   * where it measured faster (stride 1; stride 2 with 4+ input channels), wasm's own kernel elsewhere.
   */
  inputGradient?: InputGradientAlgorithm;
  /**
   * Whether `BatchMatMul` with a transposed operand (a dense layer's gradients) is rearranged to run
   * on XNNPACK instead of wasm's scalar loop. Default `true`.
   */
  fastTransposedMatMul?: boolean;
  /**
   * Whether `MaxPoolGrad` is replaced by one that routes each window's gradient to its first
   * maximum, as the cpu backend does; wasm's own misroutes windows whose values are all at most 0
   * and ties. Default `true`.
   */
  exactMaxPoolGrad?: boolean;
  /**
   * Whether that exact `MaxPoolGrad` finds each window's maximum with wasm SIMD on the heap (branch
   * free) rather than in JavaScript, where mispredicted branches on real data cost 4-5x as much; the
   * values are the same. Default `true`; without wasm SIMD it falls back to JavaScript by itself.
   */
  simdMaxPoolGrad?: boolean;
  /**
   * Whether `Sum` over leading axes (every bias gradient: dy summed over batch, height and width)
   * runs as a product with a row of ones on XNNPACK; wasm's own transposes first, 4-28x slower.
   * Default `true`.
   */
  fastLeadingSum?: boolean;
  /**
   * Whether a float32 [..., C] + [C] `Add` (a layer's bias, unfused in training) runs on the zoo's
   * SIMD kernel instead of wasm's general broadcasting one. Default `true`.
   */
  simdBiasAdd?: boolean;
  /**
   * Whether `Identity`, and `Cast` to a tensor's own dtype, share the input's data (one more
   * reference) instead of copying it, as on the cpu and WebGL backends. TF.js clones every tensor a
   * gradient saves through `Identity`. Default `true`.
   */
  shareIdentity?: boolean;
  /**
   * Whether a constant `PadV2` (AlexNet's padding before conv1) copies x in whole contiguous runs
   * instead of wasm's index per element. Default `true`.
   */
  fastPad?: boolean;
  /**
   * The most float32 elements one batch chunk of the filter gradient may hold in an intermediate;
   * larger batches are split and the parts summed, bounding the wasm heap. Default 2^24 (64 MiB).
   */
  maxChunkElements?: number;
}

// Kept on globalThis under a registry symbol so that two copies of this module in one process (the
// ESM and the CJS build, say) both wrap wasm's true kernels rather than each other's wrappers.
const ORIGINALS = Symbol.for('@zoo/backend:wasm-original-kernels');
type Originals = Map<string, KernelConfig>;

function originals(): Originals {
  const holder = globalThis as typeof globalThis & { [ORIGINALS]?: Originals };
  holder[ORIGINALS] ??= new Map();
  return holder[ORIGINALS];
}

/** wasm's own kernel `name`, as it was before anything here replaced it. */
export function nativeWasmKernel(name: string): KernelConfig {
  const store = originals();
  let config = store.get(name);
  if (config === undefined) {
    config = getKernel(name, WASM);
    if (config === undefined) {
      throw new Error(`The wasm backend has no '${name}' kernel to build on; is @tensorflow/tfjs-backend-wasm 4.x loaded?`);
    }
    store.set(name, config);
  }
  return config;
}

function replace(config: KernelConfig): void {
  if (getKernel(config.kernelName, WASM) !== undefined) unregisterKernel(config.kernelName, WASM);
  registerKernel(config);
}

/**
 * Registers the kernels that let the TF.js wasm backend train CNNs, and faster or corrected
 * versions of gradient kernels it has: `Conv2DBackpropFilter` (which wasm lacks,
 * tensorflow/tfjs#8474), `Conv2DBackpropInput`, `BatchMatMul`, `Sum` over leading axes, constant `PadV2`, and `MaxPoolGrad` (wasm's sends a
 * window's gradient to the wrong place when its values are all at most 0, and breaks ties to the
 * last maximum instead of the first). Idempotent: a second call replaces the first's kernels
 * with ones built from the new options. Works before or after `tf.setBackend('wasm')`.
 * @param options algorithm choices; the defaults are the fastest measured.
 * @throws when an option names an unknown algorithm or `maxChunkElements` is not a positive
 *   integer, or when @tensorflow/tfjs-backend-wasm's kernels are not registered.
 */
export function registerWasmTrainingKernels(options: WasmTrainingKernelOptions = {}): void {
  const {
    filterGradient = 'auto',
    inputGradient = 'auto',
    fastTransposedMatMul = true,
    exactMaxPoolGrad = true,
    simdMaxPoolGrad = true,
    fastLeadingSum = true,
    shareIdentity = true,
    simdBiasAdd = true,
    fastPad = true,
    maxChunkElements = CHUNK_ELEMENTS,
  } = options;
  if (!FILTER_GRADIENT_CHOICES.includes(filterGradient)) {
    throw new Error(`Unknown filterGradient '${String(filterGradient)}'; valid: ${FILTER_GRADIENT_CHOICES.join(', ')}`);
  }
  if (!(Number.isInteger(maxChunkElements) && maxChunkElements > 0)) {
    throw new Error(`maxChunkElements must be a positive integer; got ${String(maxChunkElements)}`);
  }
  const nativeInput = nativeWasmKernel(Conv2DBackpropInput);
  const nativeMatMul = nativeWasmKernel(BatchMatMul);
  const nativeMaxPoolGrad = nativeWasmKernel(MaxPoolGrad);
  const nativeSum = nativeWasmKernel(Sum);
  const nativeIdentity = nativeWasmKernel(Identity);
  const nativeCast = nativeWasmKernel(Cast);
  const nativeAdd = nativeWasmKernel(Add);
  const nativePad = nativeWasmKernel(PadV2);
  const configs = [
    conv2dBackpropFilterConfig(filterGradient, maxChunkElements),
    conv2dBackpropInputConfig(inputGradient, nativeInput),
    fastTransposedMatMul ? batchMatMulConfig(nativeMatMul) : nativeMatMul,
    exactMaxPoolGrad ? maxPoolGradConfig(nativeMaxPoolGrad, simdMaxPoolGrad) : nativeMaxPoolGrad,
    fastLeadingSum ? sumConfig(nativeSum) : nativeSum,
    shareIdentity ? identityConfig(nativeIdentity) : nativeIdentity,
    shareIdentity ? castConfig(nativeCast) : nativeCast,
    simdBiasAdd ? biasAddConfig(nativeAdd) : nativeAdd,
    fastPad ? padConfig(nativePad) : nativePad,
  ];
  for (const config of configs) replace(config);
}
