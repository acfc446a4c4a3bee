import { backend_util, type Conv2DBackpropFilterAttrs } from '@tensorflow/tfjs';

/** The padding forms TF.js convolutions accept: `same`, `valid`, one number, or explicit pairs. */
export type ConvPad = Conv2DBackpropFilterAttrs['pad'];

/** The geometry of one 2-D convolution, NHWC, dilation 1 (TF.js has no gradient for dilated ones). */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/** Every number of a 2-D convolution, NHWC: the geometry plus dilation and all four pads (ONNX's graphs need them). */
export interface ConvShape extends ConvGeometry {
  dilationHeight: number;
  dilationWidth: number;
  padBottom: number;
  padRight: number;
}

/** TF.js's resolved convolution info (`backend_util.computeConv2DInfo`) as plain numbers. */
export function convShapeOf(info: backend_util.Conv2DInfo): ConvShape {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
  };
}

/**
 * Resolves a convolution's attributes to numbers with TF.js's own rules (so `same` padding and
 * `dimRoundingMode` agree with the forward kernel).
 * @throws for NCHW: the wasm backend's convolutions are NHWC only.
 */
export function convGeometry(
  inputShape: readonly [number, number, number, number],
  filterShape: readonly [number, number, number, number],
  strides: [number, number] | number,
  pad: ConvPad,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  dataFormat: 'NHWC' | 'NCHW',
): ConvGeometry {
  if (dataFormat !== 'NHWC') {
    throw new Error(`The wasm training kernels support dataFormat 'NHWC' only; got '${dataFormat}'`);
  }
  const info = backend_util.computeConv2DInfo(
    [...inputShape],
    [...filterShape],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  return convShapeOf(info);
}

/** Explicit NHWC padding in the form the Conv2D kernel takes. */
export function explicitPad(top: number, bottom: number, left: number, right: number): backend_util.ExplicitPadding {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}
