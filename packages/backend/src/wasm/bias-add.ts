import { Add, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireInput, WASM } from './kernel-scope';
import { simdKernels } from './simd/kernels';

/** The [..., C] operand and the [C] one of a bias add, or undefined when `a + b` is not one. */
function biasOperands(a: TensorInfo, b: TensorInfo): { x: TensorInfo; bias: TensorInfo } | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const isBias = (x: TensorInfo, bias: TensorInfo): boolean =>
    bias.shape.length === 1 && x.shape.length >= 2 && bias.shape[0] >= 1 && x.shape[x.shape.length - 1] === bias.shape[0];
  if (isBias(a, b)) return { x: a, bias: b };
  if (isBias(b, a)) return { x: b, bias: a };
  return undefined;
}

/**
 * `Add` for wasm: a float32 [..., C] tensor plus a [C] bias (every conv and dense layer's bias in
 * training, where TF.js does not fuse it) runs as simd/kernels.wat's `biasAdd`, four channels per
 * instruction; wasm's own broadcasting add (1.1–1.7 ms on LeNet's [128,28,28,6] conv1 output)
 * computes a general index per element. Every other Add, and every Add where the SIMD module
 * cannot load, goes to wasm's own kernel. The sums are the same float32 additions either way.
 */
export function biasAddConfig(native: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const a = requireInput(args.inputs, 'a', Add);
    const b = requireInput(args.inputs, 'b', Add);
    const operands = biasOperands(a, b);
    const wasm = args.backend as BackendWasm;
    const kernels = operands === undefined ? undefined : simdKernels(wasm);
    if (operands === undefined || kernels === undefined) return native.kernelFunc(args);
    const { x, bias } = operands;
    const channels = bias.shape[0];
    const out = wasm.makeOutput(x.shape, 'float32');
    // Addresses are read after makeOutput, which may grow (and so move) the heap.
    kernels.biasAdd(
      wasm.typedArrayFromHeap(x).byteOffset,
      wasm.typedArrayFromHeap(bias).byteOffset,
      wasm.typedArrayFromHeap(out).byteOffset,
      x.shape.reduce((n, d) => n * d, 1) / channels,
      channels,
    );
    return out;
  };
  return { kernelName: Add, backendName: WASM, setupFunc: native.setupFunc, kernelFunc };
}
