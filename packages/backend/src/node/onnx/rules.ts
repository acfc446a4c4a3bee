/**
 * Where ONNX Runtime takes a kernel call from the zoo's wasm kernels: per shape, by measurement
 * (docs/performance.md, "ONNX Runtime kernels"), as the wasm filter-gradient choice is.
 */
import { inputGradAsConvPads, type ConvShape, type MatMulShape, type PoolShape } from './graphs';

/** `auto`: the measured rule below; `always`/`never`: every call to ORT / none (tests, benchmarks). */
export type DelegationPolicy = 'auto' | 'always' | 'never';

/** The delegation policies, for option checks. */
export const DELEGATION_POLICIES: readonly DelegationPolicy[] = ['auto', 'always', 'never'];

export type ConvKernel = 'forward' | 'inputGradient' | 'filterGradient';

/** Multiply-adds of a convolution (forward, or either gradient: the same products). */
export function convMacs(g: ConvShape): number {
  return g.batch * g.outHeight * g.outWidth * g.outChannels * g.inChannels * g.filterHeight * g.filterWidth;
}

/**
 * Below this many multiply-adds a call is left to wasm: ORT's fixed cost per call (the binding, the
 * session lookup, its layout transposes, waking its pool) is then a large part of the call.
 */
export const MIN_CONV_MACS = 1 << 20;

/**
 * Dense products below this many multiply-adds (m·k·n) stay on wasm: LeNet's and alexnet-mini's
 * classifier products (128x84x10, 128x256x10: 0.1–0.3 M) ran even to 1.3x slower on ORT, every
 * product from LeNet's 128x120x84 (1.3 M) up 1.7–5x faster (docs/performance.md).
 */
export const MIN_MATMUL_MACS = 1 << 19;

/**
 * Whether `kernel` at shape `g` runs on ORT under `auto`. Measured per call inside training steps
 * of lenet5-relu, alexnet-mini (batch 128) and D2L AlexNet (batch 32, 224 px) against the zoo's
 * wasm kernels (docs/performance.md, "ONNX Runtime kernels"):
 * - both gradients: ORT faster on every layer (filter 1.4–3x, input 2–3.7x at one thread);
 * - forward: ORT faster wherever a filter's patch (input channels x taps) is at least 16 long,
 *   LeNet's 5x5 one-channel conv1 (1.3x) and AlexNet's 11x11 conv1 (2x) included; 2.5x slower on
 *   alexnet-mini's 3x3 one-channel conv1, whose 9-long patch gives MLAS's GEMM too short an inner
 *   loop while ORT transposes a 24-channel output back to NHWC.
 */
export function delegateConv(kernel: ConvKernel, g: ConvShape, threads: number): boolean {
  void threads; // the same choice held at 1 and 2 threads, small calls running on one (sessionThreads)
  if (convMacs(g) < MIN_CONV_MACS) return false;
  if (kernel !== 'forward') return true;
  return g.inChannels * g.filterHeight * g.filterWidth >= 16;
}

/** Whether a dense product of shape `s` runs on ORT under `auto`. */
export function delegateMatMul(s: MatMulShape, threads: number): boolean {
  void threads;
  return s.m * s.k * s.n >= MIN_MATMUL_MACS;
}

/**
 * Calls below this many multiply-adds run on a one-thread session. Waking a pool and waiting for
 * its slowest thread costs tens of microseconds, and on a shared machine, where the other core is
 * often busy, a small call waits for a thread that is not running: LeNet's layers (about 30 M
 * multiply-adds, a millisecond or two) ran 2–5x slower on 2 threads than on 1 at load 6.
 */
export const SMALL_CALL_MACS = 1 << 26;

/**
 * Input gradients (ConvTranspose) below this many multiply-adds run on a one-thread session: ORT's
 * ConvTranspose splits poorly over threads, and alexnet-mini's four (0.17–0.26 G multiply-adds)
 * ran 1.2–1.35x faster by the clock on one thread than on two on a quiet machine, while AlexNet-224's
 * (1.6–6.1 G) gain from two (docs/performance.md, "Third pass").
 */
export const SMALL_INPUT_GRADIENT_MACS = 1 << 30;

/**
 * Filter gradients below this many multiply-adds run on a one-thread session. Their products run
 * over the whole batch (the batch is the inner dimension), which splits across threads well even
 * for LeNet's layers (15 and 31 M multiply-adds): on a quiet machine two threads took 1.75 and
 * 1.43 ms against 1.88 and 1.69 inside the trainer's step, and 1.41 and 0.91 against 1.84 and
 * 1.62 per call (docs/performance.md, "Fourth pass").
 */
export const SMALL_FILTER_GRADIENT_MACS = 1 << 23;

/**
 * Intra-op threads for a call of `macs` multiply-adds when the run has `threads`; `kernel` names a
 * convolution's kernel where the call is one.
 */
export function sessionThreads(macs: number, threads: number, kernel?: ConvKernel): number {
  const small = kernel === 'inputGradient' ? SMALL_INPUT_GRADIENT_MACS : kernel === 'filterGradient' ? SMALL_FILTER_GRADIENT_MACS : SMALL_CALL_MACS;
  return macs < small ? 1 : threads;
}

/**
 * Whether a (non-overlapping) max-pool gradient runs on ORT under `auto`. Against the zoo's
 * JavaScript kernel (`simdFallback` false): on maps of at most 16x16 (from 2^16 elements), where
 * ORT measured 1.2–1.3x faster on 10x10 and 14x14 maps (LeNet's pool2, alexnet-mini's pool2) and
 * 1.2–1.4x slower on 28x28 ones (its NCHW transposes of the map and of dx). Against the SIMD kernel
 * (the default): never; it is 2–5x faster than ORT on every zoo pool (docs/performance.md).
 */
export function delegateMaxPoolGrad(p: PoolShape, simdFallback: boolean): boolean {
  if (simdFallback) return false;
  return p.inHeight * p.inWidth <= 256 && p.batch * p.inHeight * p.inWidth * p.channels >= 1 << 16;
}

/** Input channels from which a filter of more than 9 taps still takes the im2col graph. */
export const IM2COL_MIN_CHANNELS = 64;

/**
 * Whether a delegated filter gradient at shape `g` uses the im2col graph under `auto` (else the
 * dilated convolution): for filters of at most 9 taps, and for larger ones over at least
 * {@link IM2COL_MIN_CHANNELS} input channels. Measured in training steps (docs/performance.md):
 * im2col 1.3–1.8x faster on every 3x3 layer (alexnet-mini's five, its one-channel conv1 included;
 * AlexNet-224's conv3–5), slower where the patch matrix is 25–121 slices of a thin x: LeNet's 5x5
 * layers (1 and 6 channels) 2–2.5x, AlexNet's 11x11 one-channel conv1 2.3–2.7x. AlexNet's 5x5
 * conv2 (96 channels) was about even at one thread and 1.2x faster at two (its Gemm splits across
 * threads better than the dilated convolution with a 5x5 output).
 */
export function im2colFilterGradient(g: ConvShape): boolean {
  return g.filterHeight * g.filterWidth <= 9 || g.inChannels >= IM2COL_MIN_CHANNELS;
}

/**
 * Whether a delegated input gradient at shape `g` runs as a forward Conv over the padded dy with
 * the filter turned 180 degrees (stride 1, no dilation) instead of ConvTranspose, under `auto`:
 * from {@link SMALL_INPUT_GRADIENT_MACS} multiply-adds. Measured per call (docs/performance.md,
 * "Fourth pass"): 1.1–1.4x faster on AlexNet-224's conv2–conv5 at one
 * and at two threads; about even on alexnet-mini's 3x3 layers at one thread, and 3–4x slower on
 * LeNet's 5x5 conv2, whose unpadded 10x10 dy the forward form pads to 18x18.
 */
export function inputGradientAsConv(g: ConvShape): boolean {
  return convMacs(g) >= SMALL_INPUT_GRADIENT_MACS && inputGradAsConvPads(g) !== undefined;
}
