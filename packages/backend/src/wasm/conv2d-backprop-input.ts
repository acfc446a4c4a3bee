import {
  Conv2D,
  Conv2DBackpropInput,
  PadV2,
  Reshape,
  Reverse,
  Slice,
  Transpose,
  type Conv2DBackpropInputAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { convGeometry, explicitPad, type ConvGeometry } from './conv-geometry';
import { inScope, requireInput, type KernelScope, WASM } from './kernel-scope';

/**
 * How the wasm `Conv2DBackpropInput` kernel computes dx.
 * - `flipped`: a forward convolution of dy (zero-stuffed by the stride when it is above 1) with the
 *   spatially flipped, in/out-swapped filter. Runs on XNNPACK's convolution.
 * - `native`: wasm's own kernel (a direct loop).
 * - `auto`: `flipped` where it measured faster (stride 1; stride 2 with 4+ input channels),
 *   `native` elsewhere; see {@link prefersFlipped}.
 */
export type InputGradientAlgorithm = 'auto' | 'flipped' | 'native';

/** Every input-gradient algorithm, for benchmarks and tests that try each. */
export const INPUT_GRADIENT_ALGORITHMS: readonly InputGradientAlgorithm[] = ['auto', 'flipped', 'native'];

/**
 * Whether `auto` runs the flipped convolution. With stride s the zero-stuffed dy has s^2 times the
 * positions, all but one in s^2 of its products are with zeros, and a dx with few channels (the
 * flipped convolution's output channels) runs XNNPACK at a fraction of its speed. Measured
 * (docs/performance.md): at stride 1 flipped is 2-13x faster everywhere, Cin = 1 included; at
 * stride 2 it is 1.3-2.8x faster from Cin = 4 on and slower below; at stride 3 it is even; at
 * stride 4 wasm's own kernel is 1.3-4x faster.
 */
export function prefersFlipped(g: ConvGeometry): boolean {
  const stuffing = g.strideHeight * g.strideWidth;
  return stuffing === 1 || (stuffing <= 4 && g.inChannels >= 4);
}

/** dx with shape [N, H, W, Cin] as a forward convolution of dy with the flipped filter. */
export function inputGradFlipped(scope: KernelScope, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry): TensorInfo {
  // dx[n,ih,iw,ci] = sum of dy[n,oh,ow,co] * w[kh,kw,ci,co] over ih = oh*s + kh - pt: with dy
  // zero-stuffed to D (D[oh*s] = dy[oh]) and kh' = KH-1-kh this is sum D[ih + kh' - (KH-1-pt)] * w',
  // a stride-1 correlation with top padding KH-1-pt and filter w'[kh',kw',co,ci].
  const reversed = scope.run(Reverse, { x: filter }, { dims: [0, 1] });
  const flipped = scope.run(Transpose, { x: reversed }, { perm: [0, 1, 3, 2] });
  scope.release(reversed);

  const { batch: n, outHeight: oh, outWidth: ow, outChannels: cout, strideHeight: sh, strideWidth: sw } = g;
  let stuffed = dy;
  if (sh > 1 || sw > 1) {
    const spread = scope.run(Reshape, { x: dy }, { shape: [n, oh, 1, ow, 1, cout] });
    const padded = scope.run(
      PadV2,
      { x: spread },
      { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 },
    );
    scope.release(spread);
    stuffed = scope.run(Reshape, { x: padded }, { shape: [n, oh * sh, ow * sw, cout] });
    scope.release(padded);
  }
  // The stuffed tensor ends with s-1 zero rows (columns) past the last dy row; count them as padding.
  const height = stuffed.shape[1];
  const width = stuffed.shape[2];
  const padTop = g.filterHeight - 1 - g.padTop;
  const padLeft = g.filterWidth - 1 - g.padLeft;
  const padBottom = g.inHeight - 1 + g.padTop - (oh - 1) * sh - (height - ((oh - 1) * sh + 1));
  const padRight = g.inWidth - 1 + g.padLeft - (ow - 1) * sw - (width - ((ow - 1) * sw + 1));
  // Negative padding (explicit pads wider than the filter) means rows of dy no input pixel reaches.
  const cropTop = Math.max(0, -padTop);
  const cropLeft = Math.max(0, -padLeft);
  const cropBottom = Math.max(0, -padBottom);
  const cropRight = Math.max(0, -padRight);
  let source = stuffed;
  if (cropTop + cropLeft + cropBottom + cropRight > 0) {
    source = scope.run(
      Slice,
      { x: stuffed },
      { begin: [0, cropTop, cropLeft, 0], size: [n, height - cropTop - cropBottom, width - cropLeft - cropRight, cout] },
    );
    if (stuffed !== dy) scope.release(stuffed);
  }
  return scope.run(
    Conv2D,
    { x: source, filter: flipped },
    {
      strides: 1,
      pad: explicitPad(Math.max(0, padTop), Math.max(0, padBottom), Math.max(0, padLeft), Math.max(0, padRight)),
      dataFormat: 'NHWC',
      dilations: 1,
    },
  );
}

/**
 * The `Conv2DBackpropInput` kernel for wasm.
 * @param algorithm see {@link InputGradientAlgorithm}.
 * @param native wasm's own kernel, which `native` and `auto` delegate to.
 */
export function conv2dBackpropInputConfig(algorithm: InputGradientAlgorithm, native: KernelConfig): KernelConfig {
  if (!INPUT_GRADIENT_ALGORITHMS.includes(algorithm)) {
    throw new Error(`Unknown input-gradient algorithm '${String(algorithm)}'; valid: ${INPUT_GRADIENT_ALGORITHMS.join(', ')}`);
  }
  const kernelFunc: KernelFunc = (args) => {
    if (algorithm === 'native') return native.kernelFunc(args);
    const { inputs, attrs, backend } = args;
    const dy = requireInput(inputs, 'dy', Conv2DBackpropInput);
    const filter = requireInput(inputs, 'filter', Conv2DBackpropInput);
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
    if (dataFormat !== 'NHWC' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return native.kernelFunc(args);
    const geometry = convGeometry(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      pad,
      dimRoundingMode,
      dataFormat,
    );
    if (algorithm === 'auto' && !prefersFlipped(geometry)) return native.kernelFunc(args);
    return inScope(backend as KernelBackend, (scope) => inputGradFlipped(scope, dy, filter, geometry));
  };
  // Keeping wasm's setup function keeps the native kernel's compiled entry point bound if the
  // backend is ever initialised again after this config replaced the original.
  return { kernelName: Conv2DBackpropInput, backendName: WASM, setupFunc: native.setupFunc, kernelFunc };
}
