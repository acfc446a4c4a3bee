import { Cast, Identity, type CastAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireInput, WASM } from './kernel-scope';

/**
 * The output of an identity: the same data, one more reference. TF.js tensors are immutable and
 * the wasm backend counts references per data id (its Reshape does this too), so nothing needs
 * copying; the cpu and WebGL backends' Identity do the same.
 */
function share(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * `Identity` without a copy. The engine clones every tensor it saves for a gradient through this
 * kernel (39 calls in a LeNet training step, 68 in alexnet-mini's), and wasm's own copies each one.
 * @param native wasm's own kernel, for strings (which do not live on the heap).
 */
export function identityConfig(native: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const x = requireInput(args.inputs, 'x', Identity);
    return x.dtype === 'string' ? native.kernelFunc(args) : share(args.backend as BackendWasm, x);
  };
  return { kernelName: Identity, backendName: WASM, setupFunc: native.setupFunc, kernelFunc };
}

/**
 * `Cast` to the tensor's own dtype without a copy (the gradient of every saved-tensor clone is
 * one); casts between dtypes go to wasm's own kernel.
 */
export function castConfig(native: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const x = requireInput(args.inputs, 'x', Cast);
    const { dtype } = args.attrs as unknown as CastAttrs;
    return dtype === x.dtype && x.dtype !== 'string' ? share(args.backend as BackendWasm, x) : native.kernelFunc(args);
  };
  return { kernelName: Cast, backendName: WASM, setupFunc: native.setupFunc, kernelFunc };
}
