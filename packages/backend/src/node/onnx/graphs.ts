/**
 * One small ONNX graph per kernel call shape. TF.js's wasm tensors are NHWC with HWIO filters; ORT's
 * convolutions are NCHW with OIHW filters, so each convolution graph carries its layout transposes
 * inside (ORT runs them with its own threads, and the wasm heap is read and written in place).
 */
import type { ConvShape } from '../../wasm/conv-geometry';
import type { OnnxGraph, OnnxInitializer, OnnxNode } from './proto';

export type { ConvShape };

/** The activations a fused kernel can carry into the graph. */
export type GraphActivation = 'linear' | 'relu' | 'sigmoid';

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];
/** HWIO -> OIHW, the forward filter (and, with in/out read the other way, ConvTranspose's). */
const HWIO_TO_OIHW = [3, 2, 0, 1];

function activationNodes(activation: GraphActivation, input: string, output: string): OnnxNode[] {
  if (activation === 'linear') return [];
  return [{ op: activation === 'relu' ? 'Relu' : 'Sigmoid', inputs: [input], outputs: [output] }];
}

/** Forward convolution (Conv2D, FusedConv2D): X [N,H,W,C], W [KH,KW,C,O], optional B [O] -> Y [N,OH,OW,O]. */
export function convForwardGraph(g: ConvShape, bias: boolean, activation: GraphActivation): OnnxGraph {
  const convOut = activation === 'linear' ? 'Yc' : 'Zc';
  return {
    nodes: [
      { op: 'Transpose', inputs: ['X'], outputs: ['Xc'], attributes: { perm: NHWC_TO_NCHW } },
      { op: 'Transpose', inputs: ['W'], outputs: ['Wc'], attributes: { perm: HWIO_TO_OIHW } },
      {
        op: 'Conv',
        inputs: bias ? ['Xc', 'Wc', 'B'] : ['Xc', 'Wc'],
        outputs: [convOut],
        attributes: {
          kernel_shape: [g.filterHeight, g.filterWidth],
          strides: [g.strideHeight, g.strideWidth],
          dilations: [g.dilationHeight, g.dilationWidth],
          pads: [g.padTop, g.padLeft, g.padBottom, g.padRight],
          group: 1,
        },
      },
      ...activationNodes(activation, convOut, 'Yc'),
      { op: 'Transpose', inputs: ['Yc'], outputs: ['Y'], attributes: { perm: NCHW_TO_NHWC } },
    ],
    inputs: [
      { name: 'X', shape: [g.batch, g.inHeight, g.inWidth, g.inChannels] },
      { name: 'W', shape: [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels] },
      ...(bias ? [{ name: 'B', shape: [g.outChannels] }] : []),
    ],
    outputs: [{ name: 'Y', shape: [g.batch, g.outHeight, g.outWidth, g.outChannels] }],
  };
}

/**
 * The output padding ConvTranspose needs to give back the forward input's height (width), or
 * `undefined` where ONNX cannot express it (it must lie in [0, stride)).
 */
export function outputPadding(inSize: number, outSize: number, filter: number, stride: number, dilation: number, padBegin: number, padEnd: number): number | undefined {
  const extra = inSize - ((outSize - 1) * stride + (filter - 1) * dilation + 1 - padBegin - padEnd);
  return extra >= 0 && extra < Math.max(stride, dilation) ? extra : undefined;
}

/**
 * Input gradient (Conv2DBackpropInput) as ONNX ConvTranspose: DY [N,OH,OW,O], W [KH,KW,C,O] -> DX [N,H,W,C].
 * `undefined` when the geometry needs an output padding outside [0, stride).
 */
export function convInputGradGraph(g: ConvShape): OnnxGraph | undefined {
  const padH = outputPadding(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.dilationHeight, g.padTop, g.padBottom);
  const padW = outputPadding(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.dilationWidth, g.padLeft, g.padRight);
  if (padH === undefined || padW === undefined) return undefined;
  return {
    nodes: [
      { op: 'Transpose', inputs: ['DY'], outputs: ['DYc'], attributes: { perm: NHWC_TO_NCHW } },
      // ConvTranspose's weight is [C_in of the transpose = O, C_out = C, KH, KW].
      { op: 'Transpose', inputs: ['W'], outputs: ['Wc'], attributes: { perm: HWIO_TO_OIHW } },
      {
        op: 'ConvTranspose',
        inputs: ['DYc', 'Wc'],
        outputs: ['DXc'],
        attributes: {
          kernel_shape: [g.filterHeight, g.filterWidth],
          strides: [g.strideHeight, g.strideWidth],
          dilations: [g.dilationHeight, g.dilationWidth],
          pads: [g.padTop, g.padLeft, g.padBottom, g.padRight],
          output_padding: [padH, padW],
          group: 1,
        },
      },
      { op: 'Transpose', inputs: ['DXc'], outputs: ['DX'], attributes: { perm: NCHW_TO_NHWC } },
    ],
    inputs: [
      { name: 'DY', shape: [g.batch, g.outHeight, g.outWidth, g.outChannels] },
      { name: 'W', shape: [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels] },
    ],
    outputs: [{ name: 'DX', shape: [g.batch, g.inHeight, g.inWidth, g.inChannels] }],
  };
}

/**
 * The pads [top, left, bottom, right] of dy for {@link convInputGradAsConvGraph}, or `undefined`
 * where that form cannot give back dx: strided or dilated geometry, or a pad past filter - 1.
 */
export function inputGradAsConvPads(g: ConvShape): number[] | undefined {
  const unit = g.strideHeight === 1 && g.strideWidth === 1 && g.dilationHeight === 1 && g.dilationWidth === 1;
  const pads = [g.filterHeight - 1 - g.padTop, g.filterWidth - 1 - g.padLeft, g.filterHeight - 1 - g.padBottom, g.filterWidth - 1 - g.padRight];
  // The output's size, OH + pads - KH + 1, must give back H (W).
  const fits = g.outHeight + pads[0] + pads[2] - g.filterHeight + 1 === g.inHeight && g.outWidth + pads[1] + pads[3] - g.filterWidth + 1 === g.inWidth;
  return unit && fits && pads.every((p) => p >= 0) ? pads : undefined;
}

/**
 * Input gradient (Conv2DBackpropInput) of a stride-1, undilated convolution as a forward Conv:
 * dy padded by (filter - 1 - pad) on each side, correlated with the filter turned 180 degrees and
 * read with its in and out channels swapped. MLAS's forward Conv is faster than its ConvTranspose
 * (col2im) on AlexNet's layers. DY [N,OH,OW,O], W [KH,KW,C,O] -> DX [N,H,W,C].
 * `undefined` for strided or dilated geometry, or a pad past filter - 1.
 */
export function convInputGradAsConvGraph(g: ConvShape): OnnxGraph | undefined {
  const pads = inputGradAsConvPads(g);
  if (pads === undefined) return undefined;
  return {
    nodes: [
      { op: 'Transpose', inputs: ['DY'], outputs: ['DYc'], attributes: { perm: NHWC_TO_NCHW } },
      // HWIO -> [C, O, KH, KW], then both spatial axes reversed (a Slice with step -1).
      { op: 'Transpose', inputs: ['W'], outputs: ['Wt'], attributes: { perm: [2, 3, 0, 1] } },
      { op: 'Slice', inputs: ['Wt', 'flip_start', 'flip_end', 'flip_axes', 'flip_steps'], outputs: ['Wc'] },
      {
        op: 'Conv',
        inputs: ['DYc', 'Wc'],
        outputs: ['DXc'],
        attributes: { kernel_shape: [g.filterHeight, g.filterWidth], strides: [1, 1], dilations: [1, 1], pads, group: 1 },
      },
      { op: 'Transpose', inputs: ['DXc'], outputs: ['DX'], attributes: { perm: NCHW_TO_NHWC } },
    ],
    initializers: [
      { name: 'flip_start', values: [-1, -1] },
      // Past the first element going backwards: -(size + 1) clamps to "before index 0".
      { name: 'flip_end', values: [-(g.filterHeight + 1), -(g.filterWidth + 1)] },
      { name: 'flip_axes', values: [2, 3] },
      { name: 'flip_steps', values: [-1, -1] },
    ],
    inputs: [
      { name: 'DY', shape: [g.batch, g.outHeight, g.outWidth, g.outChannels] },
      { name: 'W', shape: [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels] },
    ],
    outputs: [{ name: 'DX', shape: [g.batch, g.inHeight, g.inWidth, g.inChannels] }],
  };
}

/**
 * Filter gradient (Conv2DBackpropFilter) as one forward convolution over the batch axis, the same
 * formulation as the wasm kernel's `dilated`: x as C images of N channels, dy as O filters of N
 * channels and OH x OW taps, dilated by the stride. X [N,H,W,C], DY [N,OH,OW,O] -> DW [KH,KW,C,O].
 * Dilated forward convolutions (dilation > 1) have no TF.js gradient, so none reach here.
 */
export function convFilterGradGraph(g: ConvShape): OnnxGraph {
  // dW[kh,kw,c,o] = sum over n,oh,ow of x[n, oh*sh + kh - pt, ow*sw + kw - pl, c] * dy[n,oh,ow,o]:
  // output height H + pt + pb - sh*(OH-1) must equal KH.
  const padBottom = g.filterHeight + g.strideHeight * (g.outHeight - 1) - g.inHeight - g.padTop;
  const padRight = g.filterWidth + g.strideWidth * (g.outWidth - 1) - g.inWidth - g.padLeft;
  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [];
  let x = 'X';
  if (padBottom < 0 || padRight < 0) {
    // Rows (columns) past the last window are read by no output position: cut them off.
    initializers.push(
      { name: 'crop_start', values: [0, 0] },
      { name: 'crop_end', values: [g.inHeight + Math.min(padBottom, 0), g.inWidth + Math.min(padRight, 0)] },
      { name: 'crop_axes', values: [1, 2] },
    );
    nodes.push({ op: 'Slice', inputs: ['X', 'crop_start', 'crop_end', 'crop_axes'], outputs: ['Xs'] });
    x = 'Xs';
  }
  nodes.push(
    { op: 'Transpose', inputs: [x], outputs: ['Xt'], attributes: { perm: [3, 0, 1, 2] } },
    { op: 'Transpose', inputs: ['DY'], outputs: ['DYt'], attributes: { perm: [3, 0, 1, 2] } },
    {
      op: 'Conv',
      inputs: ['Xt', 'DYt'],
      outputs: ['Z'],
      attributes: {
        kernel_shape: [g.outHeight, g.outWidth],
        strides: [1, 1],
        dilations: [g.strideHeight, g.strideWidth],
        pads: [g.padTop, g.padLeft, Math.max(padBottom, 0), Math.max(padRight, 0)],
        group: 1,
      },
    },
    // Z is [C, O, KH, KW]
    { op: 'Transpose', inputs: ['Z'], outputs: ['DW'], attributes: { perm: [2, 3, 0, 1] } },
  );
  return { nodes, initializers, ...filterGradIO(g) };
}

/** What every filter-gradient graph takes and gives: X [N,H,W,C] and DY [N,OH,OW,O] to DW [KH,KW,C,O]. */
function filterGradIO(g: ConvShape): Pick<OnnxGraph, 'inputs' | 'outputs'> {
  return {
    inputs: [
      { name: 'X', shape: [g.batch, g.inHeight, g.inWidth, g.inChannels] },
      { name: 'DY', shape: [g.batch, g.outHeight, g.outWidth, g.outChannels] },
    ],
    outputs: [{ name: 'DW', shape: [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels] }],
  };
}

/**
 * Filter gradient (Conv2DBackpropFilter) as im2col and one Gemm, all in NHWC, with no layout
 * transpose: each filter tap's strided slice of (padded) x is one block of the patch matrix
 * P [N·OH·OW, KH·KW·C], and dW = Pᵀ·dy with dy read as [N·OH·OW, O]. The product's rows are
 * already in HWIO order, so a reshape gives dW. X [N,H,W,C], DY [N,OH,OW,O] -> DW [KH,KW,C,O].
 */
export function convFilterGradIm2colGraph(g: ConvShape): OnnxGraph {
  const rows = g.batch * g.outHeight * g.outWidth;
  const patch = g.filterHeight * g.filterWidth * g.inChannels;
  // The rows (columns) the windows read, counted from the first padded one.
  const extentH = (g.outHeight - 1) * g.strideHeight + (g.filterHeight - 1) * g.dilationHeight + 1;
  const extentW = (g.outWidth - 1) * g.strideWidth + (g.filterWidth - 1) * g.dilationWidth + 1;
  const padBottom = Math.max(0, extentH - g.padTop - g.inHeight);
  const padRight = Math.max(0, extentW - g.padLeft - g.inWidth);
  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [
    { name: 'axes', values: [1, 2] },
    { name: 'steps', values: [g.strideHeight, g.strideWidth] },
    { name: 'p_shape', values: [rows, patch] },
    { name: 'dy_shape', values: [rows, g.outChannels] },
    { name: 'dw_shape', values: [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels] },
  ];
  let x = 'X';
  if (g.padTop > 0 || g.padLeft > 0 || padBottom > 0 || padRight > 0) {
    initializers.push({ name: 'pads', values: [0, g.padTop, g.padLeft, 0, 0, padBottom, padRight, 0] });
    nodes.push({ op: 'Pad', inputs: ['X', 'pads'], outputs: ['Xp'] });
    x = 'Xp';
  }
  const taps: string[] = [];
  for (let kh = 0; kh < g.filterHeight; kh++) {
    for (let kw = 0; kw < g.filterWidth; kw++) {
      const top = kh * g.dilationHeight;
      const left = kw * g.dilationWidth;
      const name = `t${kh}_${kw}`;
      initializers.push(
        { name: `${name}_start`, values: [top, left] },
        { name: `${name}_end`, values: [top + (g.outHeight - 1) * g.strideHeight + 1, left + (g.outWidth - 1) * g.strideWidth + 1] },
      );
      nodes.push({ op: 'Slice', inputs: [x, `${name}_start`, `${name}_end`, 'axes', 'steps'], outputs: [name] });
      taps.push(name);
    }
  }
  const patches = taps.length === 1 ? taps[0] : 'P4';
  if (taps.length > 1) nodes.push({ op: 'Concat', inputs: taps, outputs: ['P4'], attributes: { axis: 3 } });
  nodes.push(
    { op: 'Reshape', inputs: [patches, 'p_shape'], outputs: ['P'] },
    { op: 'Reshape', inputs: ['DY', 'dy_shape'], outputs: ['DYm'] },
    { op: 'Gemm', inputs: ['P', 'DYm'], outputs: ['G'], attributes: { transA: 1 } },
    { op: 'Reshape', inputs: ['G', 'dw_shape'], outputs: ['DW'] },
  );
  return { nodes, initializers, ...filterGradIO(g) };
}

/** A single (unbatched) matrix product `op(A)·op(B)` with A, B as stored, optional bias [n] and activation. */
export interface MatMulShape {
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
}

/** Gemm: A [m,k] or [k,m], B [k,n] or [n,k], optional C [n] -> Y [m,n], then the activation. */
export function matMulGraph(s: MatMulShape, bias: boolean, activation: GraphActivation): OnnxGraph {
  const gemmOut = activation === 'linear' ? 'Y' : 'Z';
  return {
    nodes: [
      {
        op: 'Gemm',
        inputs: bias ? ['A', 'B', 'C'] : ['A', 'B'],
        outputs: [gemmOut],
        attributes: { transA: s.transposeA ? 1 : 0, transB: s.transposeB ? 1 : 0 },
      },
      ...activationNodes(activation, gemmOut, 'Y'),
    ],
    inputs: [
      { name: 'A', shape: s.transposeA ? [s.k, s.m] : [s.m, s.k] },
      { name: 'B', shape: s.transposeB ? [s.n, s.k] : [s.k, s.n] },
      ...(bias ? [{ name: 'C', shape: [s.n] }] : []),
    ],
    outputs: [{ name: 'Y', shape: [s.m, s.n] }],
  };
}

/** A max pool's numbers, NHWC (TF.js's `computePool2DInfo` resolved; dilation 1). */
export interface PoolShape {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

/**
 * Max-pool gradient (MaxPoolGrad) as ONNX MaxPool with indices, then MaxUnpool of dy to them:
 * X [N,H,W,C], DY [N,OH,OW,C] -> DX [N,H,W,C]. Only for windows that do not overlap (stride at
 * least the window), since MaxUnpool writes each routed gradient instead of adding it.
 */
export function maxPoolGradGraph(p: PoolShape): OnnxGraph {
  return {
    nodes: [
      { op: 'Transpose', inputs: ['X'], outputs: ['Xc'], attributes: { perm: NHWC_TO_NCHW } },
      {
        op: 'MaxPool',
        inputs: ['Xc'],
        outputs: ['Yc', 'I'],
        attributes: {
          kernel_shape: [p.filterHeight, p.filterWidth],
          strides: [p.strideHeight, p.strideWidth],
          pads: [p.padTop, p.padLeft, p.padBottom, p.padRight],
        },
      },
      { op: 'Transpose', inputs: ['DY'], outputs: ['DYc'], attributes: { perm: NHWC_TO_NCHW } },
      {
        op: 'MaxUnpool',
        inputs: ['DYc', 'I', 'shape'],
        outputs: ['DXc'],
        attributes: {
          kernel_shape: [p.filterHeight, p.filterWidth],
          strides: [p.strideHeight, p.strideWidth],
          pads: [p.padTop, p.padLeft, p.padBottom, p.padRight],
        },
      },
      { op: 'Transpose', inputs: ['DXc'], outputs: ['DX'], attributes: { perm: NCHW_TO_NHWC } },
    ],
    initializers: [{ name: 'shape', values: [p.batch, p.channels, p.inHeight, p.inWidth] }],
    inputs: [
      { name: 'X', shape: [p.batch, p.inHeight, p.inWidth, p.channels] },
      { name: 'DY', shape: [p.batch, p.outHeight, p.outWidth, p.channels] },
    ],
    outputs: [{ name: 'DX', shape: [p.batch, p.inHeight, p.inWidth, p.channels] }],
  };
}
