import {
  Add,
  BatchMatMul,
  Concat,
  Conv2D,
  Conv2DBackpropFilter,
  Fill,
  PadV2,
  Reshape,
  Slice,
  StridedSlice,
  Transpose,
  type Conv2DBackpropFilterAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { convGeometry, explicitPad, type ConvGeometry } from './conv-geometry';
import { inScope, requireInput, type KernelScope, WASM } from './kernel-scope';

/**
 * How the wasm `Conv2DBackpropFilter` kernel computes dW.
 * - `dilated`: one forward convolution over the batch axis (x as a batch of `inChannels` images with
 *   `batch` channels, dy as the filter, dilated by the stride). Runs on XNNPACK's convolution.
 * - `im2col`: the patches of x as a matrix, times dy, as one matrix product per batch chunk.
 */
export type FilterGradientAlgorithm = 'dilated' | 'im2col';

/** Every filter-gradient algorithm, for benchmarks and tests that try each. */
export const FILTER_GRADIENT_ALGORITHMS: readonly FilterGradientAlgorithm[] = ['dilated', 'im2col'];

/**
 * Elements (float32) one batch chunk's largest intermediate may hold: 2^24 = 64 MiB. Chunking the
 * reduction over the batch bounds the wasm heap at large batches; below this size one chunk is as
 * fast as several, so small batches run as one.
 */
export const CHUNK_ELEMENTS = 1 << 24;

interface FilterGradArgs {
  x: TensorInfo;
  dy: TensorInfo;
  geometry: ConvGeometry;
  chunkElements: number;
}

/**
 * Batch sizes of successive chunks when each batch item costs `perItem` elements: as few chunks as
 * the budget allows, their sizes differing by at most one (a last chunk of one item would run at a
 * fraction of the others' efficiency).
 */
export function batchChunks(batch: number, perItem: number, budget = CHUNK_ELEMENTS): number[] {
  const fits = Math.max(1, Math.min(batch, Math.floor(budget / Math.max(1, perItem))));
  const count = Math.ceil(batch / fits);
  const base = Math.floor(batch / count);
  return Array.from({ length: count }, (_, i) => base + (i < batch % count ? 1 : 0));
}

/** dW with shape [KH, KW, Cin, Cout] via a dilated convolution over the batch axis. */
function filterGradDilated(scope: KernelScope, { x, dy, geometry: g, chunkElements }: FilterGradArgs): TensorInfo {
  // dW[kh,kw,ci,co] = sum over n,oh,ow of x[n, oh*sh + kh - pt, ow*sw + kw - pl, ci] * dy[n,oh,ow,co]:
  // a convolution of x' = x[ci][h,w][n] with filter dy' = dy[oh,ow][n][co] at dilation (sh, sw).
  let padBottom = g.filterHeight - 1 + (g.outHeight - 1) * g.strideHeight - g.padTop - (g.inHeight - 1);
  let padRight = g.filterWidth - 1 + (g.outWidth - 1) * g.strideWidth - g.padLeft - (g.inWidth - 1);
  // A negative pad means trailing rows/columns of x that no output position reads: cut them off.
  const usedHeight = g.inHeight + Math.min(padBottom, 0);
  const usedWidth = g.inWidth + Math.min(padRight, 0);
  padBottom = Math.max(padBottom, 0);
  padRight = Math.max(padRight, 0);
  if (usedHeight <= 0 || usedWidth <= 0) {
    // Every window lies wholly in the padding: no weight touches x.
    return scope.run(Fill, {}, { shape: [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels], value: 0, dtype: 'float32' });
  }
  const trims = usedHeight < g.inHeight || usedWidth < g.inWidth;

  const perItem = Math.max(usedHeight * usedWidth * g.inChannels, g.outHeight * g.outWidth * g.outChannels);
  let sum: TensorInfo | undefined;
  let start = 0;
  for (const size of batchChunks(g.batch, perItem, chunkElements)) {
    const whole = size === g.batch;
    const xPart = whole && !trims ? x : scope.run(Slice, { x }, { begin: [start, 0, 0, 0], size: [size, usedHeight, usedWidth, g.inChannels] });
    const dyPart = whole ? dy : scope.run(Slice, { x: dy }, { begin: [start, 0, 0, 0], size: [size, g.outHeight, g.outWidth, g.outChannels] });
    const images = scope.run(Transpose, { x: xPart }, { perm: [3, 1, 2, 0] });
    if (xPart !== x) scope.release(xPart);
    const filter = scope.run(Transpose, { x: dyPart }, { perm: [1, 2, 0, 3] });
    if (dyPart !== dy) scope.release(dyPart);
    const part = scope.run(
      Conv2D,
      { x: images, filter },
      {
        strides: 1,
        pad: explicitPad(g.padTop, padBottom, g.padLeft, padRight),
        dataFormat: 'NHWC',
        dilations: [g.strideHeight, g.strideWidth],
      },
    );
    scope.release(images);
    scope.release(filter);
    sum = accumulate(scope, sum, part);
    start += size;
  }
  // [Cin, KH, KW, Cout] -> [KH, KW, Cin, Cout]
  return scope.run(Transpose, { x: sum as TensorInfo }, { perm: [1, 2, 0, 3] });
}

/** dW with shape [KH, KW, Cin, Cout] via explicit patches (im2col) and one matrix product per chunk. */
function filterGradIm2col(scope: KernelScope, { x, dy, geometry: g, chunkElements }: FilterGradArgs): TensorInfo {
  const taps = g.filterHeight * g.filterWidth;
  const spanHeight = (g.outHeight - 1) * g.strideHeight + 1;
  const spanWidth = (g.outWidth - 1) * g.strideWidth + 1;
  // Pad so that every tap's strided window lies inside; extra rows past the last window are harmless.
  const padBottom = Math.max(0, g.filterHeight - 1 + spanHeight - g.padTop - g.inHeight);
  const padRight = Math.max(0, g.filterWidth - 1 + spanWidth - g.padLeft - g.inWidth);
  const pixels = g.outHeight * g.outWidth;

  const perItem = 2 * taps * pixels * g.inChannels;
  let sum: TensorInfo | undefined;
  let start = 0;
  for (const size of batchChunks(g.batch, perItem, chunkElements)) {
    const whole = size === g.batch;
    const xPart = whole ? x : scope.run(Slice, { x }, { begin: [start, 0, 0, 0], size: [size, g.inHeight, g.inWidth, g.inChannels] });
    const dyPart = whole ? dy : scope.run(Slice, { x: dy }, { begin: [start, 0, 0, 0], size: [size, g.outHeight, g.outWidth, g.outChannels] });
    const padded =
      g.padTop + padBottom + g.padLeft + padRight === 0
        ? xPart
        : scope.run(PadV2, { x: xPart }, { paddings: [[0, 0], [g.padTop, padBottom], [g.padLeft, padRight], [0, 0]], constantValue: 0 });
    const rows = size * pixels;
    const windows: TensorInfo[] = [];
    for (let kh = 0; kh < g.filterHeight; kh++) {
      for (let kw = 0; kw < g.filterWidth; kw++) {
        const window = scope.run(
          StridedSlice,
          { x: padded },
          {
            begin: [0, kh, kw, 0],
            end: [size, kh + spanHeight, kw + spanWidth, g.inChannels],
            strides: [1, g.strideHeight, g.strideWidth, 1],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0,
          },
        );
        windows.push(scope.run(Reshape, { x: window }, { shape: [1, rows, g.inChannels] }));
        scope.release(window);
      }
    }
    if (padded !== xPart) scope.release(padded);
    if (xPart !== x) scope.release(xPart);
    // Stacking along a new leading axis is a plain copy of contiguous blocks; the transpose that
    // follows turns [taps, rows, Cin] into the patch matrix [rows, taps * Cin] in compiled code.
    const stacked = windows.length === 1 ? windows[0] : scope.run(Concat, windows as unknown as NamedTensorInfoMap, { axis: 0 });
    if (stacked !== windows[0]) for (const w of windows) scope.release(w);
    const patches = scope.run(Transpose, { x: stacked }, { perm: [1, 0, 2] });
    scope.release(stacked);
    const patchMatrix = scope.run(Reshape, { x: patches }, { shape: [rows, taps * g.inChannels] });
    scope.release(patches);
    const dyMatrix = scope.run(Reshape, { x: dyPart }, { shape: [rows, g.outChannels] });
    if (dyPart !== dy) scope.release(dyPart);
    // dy^T [Cout, rows] x patches [rows, taps*Cin]: both operands untransposed, so XNNPACK's
    // matrix product runs (wasm's BatchMatMul falls back to a scalar loop when asked to transpose).
    const dyT = scope.run(Transpose, { x: dyMatrix }, { perm: [1, 0] });
    scope.release(dyMatrix);
    const part = scope.run(BatchMatMul, { a: dyT, b: patchMatrix }, { transposeA: false, transposeB: false });
    scope.release(dyT);
    scope.release(patchMatrix);
    sum = accumulate(scope, sum, part);
    start += size;
  }
  const transposed = scope.run(Transpose, { x: sum as TensorInfo }, { perm: [1, 0] });
  return scope.run(Reshape, { x: transposed }, { shape: [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels] });
}

function accumulate(scope: KernelScope, sum: TensorInfo | undefined, part: TensorInfo): TensorInfo {
  if (sum === undefined) return part;
  const next = scope.run(Add, { a: sum, b: part });
  scope.release(sum);
  scope.release(part);
  return next;
}

const ALGORITHMS: Record<FilterGradientAlgorithm, (scope: KernelScope, args: FilterGradArgs) => TensorInfo> = {
  dilated: filterGradDilated,
  im2col: filterGradIm2col,
};

/**
 * The `Conv2DBackpropFilter` kernel for wasm, computing with `algorithm`.
 * @param algorithm which formulation to run; see {@link FilterGradientAlgorithm}.
 * @param chunkElements the largest intermediate one batch chunk may hold, in float32 elements.
 */
export function conv2dBackpropFilterConfig(algorithm: FilterGradientAlgorithm, chunkElements = CHUNK_ELEMENTS): KernelConfig {
  const compute = ALGORITHMS[algorithm];
  if (compute === undefined) {
    throw new Error(`Unknown filter-gradient algorithm '${String(algorithm)}'; valid: ${FILTER_GRADIENT_ALGORITHMS.join(', ')}`);
  }
  const kernelFunc: KernelFunc = ({ inputs, attrs, backend }) => {
    const x = requireInput(inputs, 'x', Conv2DBackpropFilter);
    const dy = requireInput(inputs, 'dy', Conv2DBackpropFilter);
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
      throw new Error(`Conv2DBackpropFilter on wasm needs float32 inputs; got ${x.dtype} and ${dy.dtype}`);
    }
    const geometry = convGeometry(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      pad,
      dimRoundingMode,
      dataFormat,
    );
    return inScope(backend as KernelBackend, (scope) => compute(scope, { x, dy, geometry, chunkElements }));
  };
  return { kernelName: Conv2DBackpropFilter, backendName: WASM, kernelFunc };
}
