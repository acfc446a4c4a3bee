import {
  Add,
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  DepthwiseConv2dNative,
  Fill,
  Reshape,
  Slice,
  Transpose,
  type Conv2DBackpropFilterAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { convGeometry, explicitPad, type ConvGeometry } from './conv-geometry';
import { inScope, requireInput, type KernelScope, WASM } from './kernel-scope';

/**
 * How the wasm `Conv2DBackpropFilter` kernel computes dW.
 * - `dilated`: one forward convolution over the batch axis (x as a batch of `inChannels` images with
 *   `batch` channels, dy as the filter, dilated by the stride). Runs on XNNPACK's convolution.
 * - `im2col`: the patches of x as a matrix (from a depthwise convolution), times dy, as one matrix
 *   product per batch chunk. Far cheaper where x has one or a few channels (a first layer).
 */
export type FilterGradientAlgorithm = 'dilated' | 'im2col';

/** Every filter-gradient algorithm, for benchmarks and tests that try each. */
export const FILTER_GRADIENT_ALGORITHMS: readonly FilterGradientAlgorithm[] = ['dilated', 'im2col'];

/** An algorithm, or `auto`: per layer, the one {@link chooseFilterGradient} picks. */
export type FilterGradientChoice = FilterGradientAlgorithm | 'auto';

/** The values `filterGradient` accepts. */
export const FILTER_GRADIENT_CHOICES: readonly FilterGradientChoice[] = ['auto', ...FILTER_GRADIENT_ALGORITHMS];

/**
 * The faster algorithm for a layer, by measurement (docs/performance.md, "WebAssembly training
 * kernels"): `im2col` where the patch matrix (Cin x taps columns) is no wider than dy (Cout
 * columns), as in a first layer of few taps and many filters (alexnet-mini's conv1: 5x faster);
 * `dilated` everywhere else (every other AlexNet, alexnet-mini and LeNet layer: 1.1-4x faster).
 */
export function chooseFilterGradient(g: Pick<ConvGeometry, 'inChannels' | 'outChannels' | 'filterHeight' | 'filterWidth'>): FilterGradientAlgorithm {
  return g.inChannels * g.filterHeight * g.filterWidth <= g.outChannels ? 'im2col' : 'dilated';
}

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

/**
 * The depthwise filter that copies each tap of a KH x KW window into its own channel: with it, a
 * depthwise convolution of x is x's patch matrix (im2col), channel `c * taps + t` holding tap `t`
 * of input channel `c`.
 */
function patchFilter(scope: KernelScope, g: ConvGeometry): TensorInfo {
  const taps = g.filterHeight * g.filterWidth;
  const values = new Float32Array(taps * g.inChannels * taps);
  for (let t = 0; t < taps; t++) {
    for (let c = 0; c < g.inChannels; c++) values[(t * g.inChannels + c) * taps + t] = 1;
  }
  return scope.constant(values, [g.filterHeight, g.filterWidth, g.inChannels, taps]);
}

/**
 * dW with shape [KH, KW, Cin, Cout] via the patch matrix (im2col) and one matrix product per batch
 * chunk. The patches come from a depthwise convolution on XNNPACK (wasm's slicing is far slower), and
 * of the two operands of the product the narrower is transposed: for a first layer (one input
 * channel) that is the patch matrix, a few columns wide, where the dilated form would transpose dy.
 */
function filterGradIm2col(scope: KernelScope, { x, dy, geometry: g, chunkElements }: FilterGradArgs): TensorInfo {
  const taps = g.filterHeight * g.filterWidth;
  const width = g.inChannels * taps;
  const pixels = g.outHeight * g.outWidth;
  // Bottom/right padding that gives the forward convolution's output size (never below 0: rows past
  // the last window are simply not read).
  const padBottom = Math.max(0, (g.outHeight - 1) * g.strideHeight + g.filterHeight - g.inHeight - g.padTop);
  const padRight = Math.max(0, (g.outWidth - 1) * g.strideWidth + g.filterWidth - g.inWidth - g.padLeft);
  const transposePatches = width <= g.outChannels;
  const filter = patchFilter(scope, g);

  const perItem = 2 * pixels * Math.max(width, g.outChannels);
  let sum: TensorInfo | undefined;
  let start = 0;
  for (const size of batchChunks(g.batch, perItem, chunkElements)) {
    const whole = size === g.batch;
    const xPart = whole ? x : scope.run(Slice, { x }, { begin: [start, 0, 0, 0], size: [size, g.inHeight, g.inWidth, g.inChannels] });
    const dyPart = whole ? dy : scope.run(Slice, { x: dy }, { begin: [start, 0, 0, 0], size: [size, g.outHeight, g.outWidth, g.outChannels] });
    const patches = scope.run(
      DepthwiseConv2dNative,
      { x: xPart, filter },
      { strides: [g.strideHeight, g.strideWidth], pad: explicitPad(g.padTop, padBottom, g.padLeft, padRight), dilations: [1, 1], dataFormat: 'NHWC' },
    );
    if (xPart !== x) scope.release(xPart);
    const rows = size * pixels;
    const patchMatrix = scope.run(Reshape, { x: patches }, { shape: [1, rows, width] });
    const dyMatrix = scope.run(Reshape, { x: dyPart }, { shape: [1, rows, g.outChannels] });
    // Both operands untransposed in the product itself, so that it runs on XNNPACK's GEMM.
    const [left, right] = transposePatches ? [patchMatrix, dyMatrix] : [dyMatrix, patchMatrix];
    const leftT = scope.run(Transpose, { x: left }, { perm: [0, 2, 1] });
    scope.release(left);
    const part = scope.run(BatchMatMul, { a: leftT, b: right }, { transposeA: false, transposeB: false });
    scope.release(leftT);
    scope.release(right);
    scope.release(patches);
    if (dyPart !== dy) scope.release(dyPart);
    sum = accumulate(scope, sum, part);
    start += size;
  }
  // [Cin * taps, Cout] is [Cin, KH, KW, Cout]; [Cout, Cin * taps] is [Cout, Cin, KH, KW].
  const shape = transposePatches
    ? [g.inChannels, g.filterHeight, g.filterWidth, g.outChannels]
    : [g.outChannels, g.inChannels, g.filterHeight, g.filterWidth];
  const grouped = scope.run(Reshape, { x: sum as TensorInfo }, { shape });
  return scope.run(Transpose, { x: grouped }, { perm: transposePatches ? [1, 2, 0, 3] : [2, 3, 1, 0] });
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
 * @param algorithm which formulation to run, or `auto` to choose per layer; see {@link FilterGradientAlgorithm}.
 * @param chunkElements the largest intermediate one batch chunk may hold, in float32 elements.
 */
export function conv2dBackpropFilterConfig(algorithm: FilterGradientChoice, chunkElements = CHUNK_ELEMENTS): KernelConfig {
  if (!FILTER_GRADIENT_CHOICES.includes(algorithm)) {
    throw new Error(`Unknown filter-gradient algorithm '${String(algorithm)}'; valid: ${FILTER_GRADIENT_CHOICES.join(', ')}`);
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
    const compute = ALGORITHMS[algorithm === 'auto' ? chooseFilterGradient(geometry) : algorithm];
    return inScope(backend as KernelBackend, (scope) => compute(scope, { x, dy, geometry, chunkElements }));
  };
  return { kernelName: Conv2DBackpropFilter, backendName: WASM, kernelFunc };
}
