import {
  getKernel,
  type KernelBackend,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs';

/** The backend every kernel in this folder is registered for. */
export const WASM = 'wasm';

/**
 * Runs wasm kernels on `TensorInfo`s from inside another kernel and frees every intermediate it made.
 *
 * Calling kernel functions directly, instead of TF.js ops, keeps the composed kernels off the
 * engine's tape and out of its tensor count, so a composed kernel looks like one kernel to
 * `tf.profile` and `tf.memory()`; the price is that intermediates must be freed by hand, which is
 * this class's job.
 */
export class KernelScope {
  private readonly made = new Set<TensorInfo>();

  constructor(readonly backend: KernelBackend) {}

  /**
   * Runs `kernel` (a kernel name registered for wasm, or a kernel function) and tracks its output.
   * @throws when the kernel is not registered for wasm.
   */
  run(kernel: string | KernelFunc, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernelFunc = typeof kernel === 'string' ? lookUp(kernel) : kernel;
    const out = kernelFunc({ inputs, attrs, backend: this.backend });
    if (Array.isArray(out)) throw new Error('KernelScope.run expects a kernel with one output');
    this.made.add(out);
    return out;
  }

  /** A float32 tensor holding `values`, freed with the scope like any intermediate. */
  constant(values: Float32Array, shape: number[]): TensorInfo {
    const info: TensorInfo = { dataId: this.backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
    this.made.add(info);
    return info;
  }

  /** Frees an intermediate before the scope ends (to bound peak memory inside a loop). */
  release(info: TensorInfo): void {
    if (this.made.delete(info)) this.backend.disposeData(info.dataId);
  }

  /** Takes `info` out of the scope so that `dispose` leaves it alive; returns it. */
  keep(info: TensorInfo): TensorInfo {
    this.made.delete(info);
    return info;
  }

  /** Frees every tracked intermediate. */
  dispose(): void {
    for (const info of this.made) this.backend.disposeData(info.dataId);
    this.made.clear();
  }
}

/**
 * Runs `body` in a fresh scope and returns its result, with every other intermediate freed even
 * when `body` throws.
 */
export function inScope(backend: KernelBackend, body: (scope: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(backend);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}

function lookUp(kernelName: string): KernelFunc {
  const config = getKernel(kernelName, WASM);
  if (config == null) {
    throw new Error(`Kernel '${kernelName}' is not registered for the wasm backend; import '@tensorflow/tfjs-backend-wasm' first`);
  }
  return config.kernelFunc;
}

/**
 * The input `name` of a kernel call.
 * @throws when the caller did not pass it (a malformed `runKernel` call).
 */
export function requireInput(inputs: NamedTensorInfoMap, name: string, kernelName: string): TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`${kernelName} on wasm needs input '${name}'`);
  return info;
}
