import { PadV2, util, type KernelConfig, type KernelFunc, type PadV2Attrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireInput, WASM } from './kernel-scope';

/**
 * `PadV2` (constant padding) for float32 and int32 on wasm: the output is filled with the constant,
 * then x is copied in as whole contiguous runs (every axis inside the innermost padded one is
 * copied with it), one `TypedArray.set` each. wasm's own kernel computes an index per element:
 * 18 ms for AlexNet-224's [32,224,224,1] input padded by 1, run before conv1 in every step
 * (docs/performance.md, "Third pass"). Other dtypes go to wasm's own kernel.
 */
export function padConfig(native: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const x = requireInput(args.inputs, 'x', PadV2);
    const { paddings, constantValue } = args.attrs as unknown as PadV2Attrs;
    const rank = x.shape.length;
    const valid =
      (x.dtype === 'float32' || x.dtype === 'int32') &&
      rank >= 1 &&
      paddings.length === rank &&
      paddings.every((p) => p.length === 2 && Number.isInteger(p[0]) && Number.isInteger(p[1]) && p[0] >= 0 && p[1] >= 0);
    if (!valid) return native.kernelFunc(args);
    const outShape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
    const wasm = args.backend as BackendWasm;
    const out = wasm.makeOutput(outShape, x.dtype);
    // Views are taken after makeOutput, which may grow (and so move) the heap.
    const dst = wasm.typedArrayFromHeap(out) as Float32Array | Int32Array;
    dst.fill(constantValue);
    const size = util.sizeFromShape(x.shape);
    if (size === 0) return out;
    const src = wasm.typedArrayFromHeap(x) as Float32Array | Int32Array;
    // The innermost padded axis: x's elements from it inward are one run in x and in the output.
    let axis = rank - 1;
    while (axis > 0 && paddings[axis][0] === 0 && paddings[axis][1] === 0) axis--;
    const inner = util.sizeFromShape(x.shape.slice(axis + 1));
    const run = x.shape[axis] * inner;
    const outStrides = util.computeStrides(outShape);
    const stride = (i: number): number => (i === rank - 1 ? 1 : outStrides[i]);
    const outer = x.shape.slice(0, axis);
    const index = new Array<number>(axis).fill(0);
    const base = paddings[axis][0] * inner + outer.reduce((o, _, i) => o + paddings[i][0] * stride(i), 0);
    for (let from = 0; from < size; from += run) {
      let to = base;
      for (let i = 0; i < axis; i++) to += index[i] * stride(i);
      dst.set(src.subarray(from, from + run), to);
      // The next run's position along the outer axes.
      for (let i = axis - 1; i >= 0; i--) {
        if (++index[i] < outer[i]) break;
        index[i] = 0;
      }
    }
    return out;
  };
  return { kernelName: PadV2, backendName: WASM, setupFunc: native.setupFunc, kernelFunc };
}
