import { backend_util, MaxPoolGrad, type KernelConfig, type KernelFunc, type MaxPoolGradAttrs, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireInput, WASM } from './kernel-scope';
import { runMaxPoolGrad, simdKernels } from './simd/kernels';

/**
 * dx of a max pool: each window's dy goes to the first position holding the window's maximum, as
 * on TF.js's cpu and WebGL backends and in TensorFlow.
 */
export function maxPoolGradValues(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  info: backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const best = new Float32Array(channels);
  const where = new Int32Array(channels);
  dx.fill(0);
  let dyOffset = 0;
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * channels;
    for (let oh = 0; oh < outHeight; oh++) {
      const top = oh * strideHeight - padTop;
      for (let ow = 0; ow < outWidth; ow++, dyOffset += channels) {
        const left = ow * strideWidth - padLeft;
        best.fill(-Infinity);
        where.fill(-1);
        // Channels innermost: NHWC keeps each pixel's channels contiguous.
        for (let fh = 0; fh < effectiveFilterHeight; fh += dilationHeight) {
          const h = top + fh;
          if (h < 0 || h >= inHeight) continue;
          for (let fw = 0; fw < effectiveFilterWidth; fw += dilationWidth) {
            const w = left + fw;
            if (w < 0 || w >= inWidth) continue;
            const pixel = xBatch + (h * inWidth + w) * channels;
            for (let c = 0; c < channels; c++) {
              // Strictly greater: the first maximum wins ties. A window of NaNs routes nowhere, as on cpu.
              if (x[pixel + c] > best[c]) {
                best[c] = x[pixel + c];
                where[c] = pixel + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) if (where[c] >= 0) dx[where[c]] += dy[dyOffset + c];
      }
    }
  }
}

/**
 * The `MaxPoolGrad` kernel for wasm. wasm's own (4.22) starts each window's maximum at the smallest
 * positive float instead of the lowest, so a window whose values are all at most 0 sends its
 * gradient to the tensor's first element or nowhere, and it breaks ties to the last maximum; this
 * one matches the cpu backend. It runs on the wasm heap: each window's first maximum found with
 * wasm SIMD (simd/kernels.wat, branch-free), then dy scattered to those positions, one output row at
 * a time; or, with `simd` false or where that module cannot load, one JavaScript pass over the
 * windows (same values).
 * @param native wasm's own kernel, whose setup function is kept so that it stays usable if it is
 *   registered again after the backend initialised with this one in place.
 */
export function maxPoolGradConfig(native: KernelConfig, simd = true): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, attrs, backend }) => {
    const dy = requireInput(inputs, 'dy', MaxPoolGrad);
    const x = requireInput(inputs, 'input', MaxPoolGrad);
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
      throw new Error(`MaxPoolGrad on wasm needs float32 inputs; got ${x.dtype} and ${dy.dtype}`);
    }
    const wasm = backend as BackendWasm;
    const info = backend_util.computePool2DInfo(
      x.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const out: TensorInfo = wasm.makeOutput(x.shape, 'float32');
    const kernels = simd ? simdKernels(wasm) : undefined;
    if (kernels !== undefined) {
      // Row at a time: the kernel adds each output row's dy while that row's part of x and dx is
      // still in cache.
      runMaxPoolGrad(wasm, kernels, { x, dy, dx: out }, info);
      return out;
    }
    // Views are taken after makeOutput, which may grow (and so detach) the heap.
    maxPoolGradValues(
      wasm.typedArrayFromHeap(x) as Float32Array,
      wasm.typedArrayFromHeap(dy) as Float32Array,
      wasm.typedArrayFromHeap(out) as Float32Array,
      info,
    );
    return out;
  };
  return { kernelName: MaxPoolGrad, backendName: WASM, setupFunc: native.setupFunc, kernelFunc };
}
