import { convInputGradAsConvGraph, type ConvShape, type PoolShape } from '../src/node/onnx/graphs';
import { convMacs, delegateConv, delegateMatMul, delegateMaxPoolGrad, im2colFilterGradient, inputGradientAsConv, sessionThreads, SMALL_CALL_MACS, SMALL_FILTER_GRADIENT_MACS, SMALL_INPUT_GRADIENT_MACS } from '../src/node/onnx/rules';

function conv(batch: number, size: number, inChannels: number, outChannels: number, k: number, stride = 1, pad = Math.floor(k / 2)): ConvShape {
  const out = Math.floor((size + 2 * pad - k) / stride) + 1;
  return {
    batch,
    inHeight: size,
    inWidth: size,
    inChannels,
    outHeight: out,
    outWidth: out,
    outChannels,
    filterHeight: k,
    filterWidth: k,
    strideHeight: stride,
    strideWidth: stride,
    dilationHeight: 1,
    dilationWidth: 1,
    padTop: pad,
    padBottom: pad,
    padLeft: pad,
    padRight: pad,
  };
}

function pool(batch: number, size: number, channels: number): PoolShape {
  const out = size / 2;
  return { batch, inHeight: size, inWidth: size, channels, outHeight: out, outWidth: out, filterHeight: 2, filterWidth: 2, strideHeight: 2, strideWidth: 2, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 };
}

// The zoo's layers, and where the measurements in docs/performance.md put each of their calls.
describe('auto delegation on the zoo layers', () => {
  test.each([
    ['lenet conv1 (5x5, 1 -> 6)', conv(128, 28, 1, 6, 5), true],
    ['lenet conv2 (5x5, 6 -> 16)', conv(128, 14, 6, 16, 5, 1, 0), true],
    ['alexnet-mini conv1 (3x3, 1 -> 24)', conv(128, 28, 1, 24, 3), false],
    ['alexnet-mini conv2 (3x3, 24 -> 48)', conv(128, 14, 24, 48, 3), true],
    ['alexnet conv1 (11x11/4, 1 -> 96)', conv(32, 226, 1, 96, 11, 4, 0), true],
    ['alexnet conv3 (3x3, 256 -> 384)', conv(32, 12, 256, 384, 3), true],
    ['a single tiny image', conv(1, 8, 3, 4, 3), false],
  ])('%s: forward on ORT %s, both gradients on ORT unless tiny', (_name, g, forward) => {
    expect(delegateConv('forward', g, 2)).toBe(forward);
    const big = g.batch > 1;
    expect(delegateConv('inputGradient', g, 2)).toBe(big);
    expect(delegateConv('filterGradient', g, 2)).toBe(big);
  });

  test.each([
    ['lenet conv1 (5x5, 1 -> 6)', conv(128, 28, 1, 6, 5), false],
    ['lenet conv2 (5x5, 6 -> 16)', conv(128, 14, 6, 16, 5, 1, 0), false],
    ['alexnet-mini conv1 (3x3, 1 -> 24)', conv(128, 28, 1, 24, 3), true],
    ['alexnet-mini conv2 (3x3, 24 -> 48)', conv(128, 14, 24, 48, 3), true],
    ['alexnet conv1 (11x11/4, 1 -> 96)', conv(32, 226, 1, 96, 11, 4, 0), false],
    ['alexnet conv2 (5x5, 96 -> 256)', conv(32, 26, 96, 256, 5), true],
    ['alexnet conv3 (3x3, 256 -> 384)', conv(32, 12, 256, 384, 3), true],
  ])('%s: filter gradient as im2col + Gemm: %s', (_name, g, im2col) => {
    expect(im2colFilterGradient(g)).toBe(im2col);
  });

  test.each([
    ['lenet conv2 (5x5, 6 -> 16, valid)', conv(128, 14, 6, 16, 5, 1, 0), false],
    ['alexnet-mini conv2 (3x3, 24 -> 48)', conv(128, 14, 24, 48, 3), false],
    ['alexnet conv1 (11x11/4, 1 -> 96)', conv(32, 226, 1, 96, 11, 4, 0), false],
    ['alexnet conv2 (5x5, 96 -> 256)', conv(32, 26, 96, 256, 5), true],
    ['alexnet conv4 (3x3, 384 -> 384)', conv(32, 12, 384, 384, 3), true],
    ['a strided layer of AlexNet size', conv(32, 52, 96, 256, 5, 2), false],
  ])('%s: input gradient as a forward Conv: %s', (_name, g, asConv) => {
    expect(inputGradientAsConv(g)).toBe(asConv);
  });

  test('the forward-Conv input gradient exists for stride 1 with pads up to filter - 1 only', () => {
    const same = convInputGradAsConvGraph(conv(2, 9, 3, 4, 5));
    expect(same?.nodes.find((n) => n.op === 'Conv')?.attributes?.pads).toEqual([2, 2, 2, 2]);
    expect(convInputGradAsConvGraph(conv(2, 9, 3, 4, 5, 1, 0))?.nodes.find((n) => n.op === 'Conv')?.attributes?.pads).toEqual([4, 4, 4, 4]);
    expect(convInputGradAsConvGraph(conv(2, 9, 3, 4, 3, 2))).toBeUndefined();
    // A pad of 3 on a 3x3 filter: rows no window reads, which a forward Conv cannot give back.
    expect(convInputGradAsConvGraph(conv(2, 9, 3, 4, 3, 1, 3))).toBeUndefined();
  });

  test.each([
    [128, 400, 120, false, false, true],
    [128, 84, 10, false, false, false],
    [128, 256, 10, false, true, false],
    [32, 6400, 4096, true, false, true],
  ])('dense %i x %i x %i (transposeA %s, transposeB %s) on ORT: %s', (m, k, n, transposeA, transposeB, expected) => {
    expect(delegateMatMul({ m, k, n, transposeA, transposeB }, 2)).toBe(expected);
  });

  test('max-pool gradients on ORT only against the JavaScript kernel, on maps of at most 16x16', () => {
    expect(delegateMaxPoolGrad(pool(128, 10, 16), false)).toBe(true);
    expect(delegateMaxPoolGrad(pool(128, 14, 48), false)).toBe(true);
    expect(delegateMaxPoolGrad(pool(128, 28, 6), false)).toBe(false);
    expect(delegateMaxPoolGrad(pool(1, 10, 4), false)).toBe(false);
  });

  test('max-pool gradients never on ORT against the SIMD kernel', () => {
    for (const p of [pool(128, 10, 16), pool(128, 14, 48), pool(128, 28, 6), pool(32, 54, 96)]) expect(delegateMaxPoolGrad(p, true)).toBe(false);
  });

  test('small calls get a one-thread session, large ones the whole pool', () => {
    expect(sessionThreads(SMALL_CALL_MACS - 1, 4)).toBe(1);
    expect(sessionThreads(SMALL_CALL_MACS, 4)).toBe(4);
    expect(sessionThreads(SMALL_CALL_MACS, 4, 'forward')).toBe(4);
    expect(sessionThreads(SMALL_CALL_MACS, 4, 'filterGradient')).toBe(4);
  });

  test("filter gradients get the pool from LeNet's sizes; its forward convolutions and input gradient stay on one thread", () => {
    const lenetConv1 = convMacs(conv(128, 28, 1, 6, 5));
    const lenetConv2 = convMacs(conv(128, 14, 6, 16, 5, 1, 0));
    for (const macs of [lenetConv1, lenetConv2]) {
      expect(sessionThreads(macs, 2, 'filterGradient')).toBe(2);
      expect(sessionThreads(macs, 2, 'forward')).toBe(1);
      expect(sessionThreads(macs, 2, 'inputGradient')).toBe(1);
    }
    expect(sessionThreads(SMALL_FILTER_GRADIENT_MACS - 1, 2, 'filterGradient')).toBe(1);
  });

  test('input gradients get the pool only from AlexNet-224 sizes: alexnet-mini\'s run on one thread', () => {
    const miniConv3 = convMacs(conv(128, 7, 48, 64, 3));
    expect(miniConv3).toBeGreaterThan(SMALL_CALL_MACS);
    expect(sessionThreads(miniConv3, 2, 'inputGradient')).toBe(1);
    expect(sessionThreads(convMacs(conv(128, 14, 24, 48, 3)), 2, 'inputGradient')).toBe(1);
    expect(sessionThreads(convMacs(conv(32, 12, 256, 384, 3)), 2, 'inputGradient')).toBe(2);
    expect(sessionThreads(SMALL_INPUT_GRADIENT_MACS, 2, 'inputGradient')).toBe(2);
  });
});
