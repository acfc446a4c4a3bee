import * as tf from '@tensorflow/tfjs';
import { startWasm } from '../wasm-start';
import { registerOnnxRuntimeKernels } from './register';
import { loadOnnxRuntime, OnnxRuntimeUnavailable, type OnnxRuntime } from './runtime';

/** The wasm module's heap, as far as this file looks at it. */
interface WasmModule {
  wasm?: { HEAPU8?: Uint8Array };
}

/**
 * Starts wasm with ONNX Runtime's kernels registered: ORT computes the convolutions, their
 * gradients and the dense products on `threads` intra-op threads; wasm computes the rest on one.
 *
 * wasm runs without its own thread pool here: the threaded build's heap is a SharedArrayBuffer,
 * and onnxruntime-node refuses views of one ("Invalid argument"), so every input would have to be
 * copied; the kernels left on wasm (pooling, element-wise) are too small to gain from threads.
 * onnxruntime-node is loaded and checked before wasm starts, so that when it fails the caller can
 * still start wasm with its thread pool.
 * @throws {OnnxRuntimeUnavailable} with the one-line reason ORT or wasm cannot serve.
 */
export async function startWasmWithOnnxRuntime(threads: number): Promise<OnnxRuntime> {
  const runtime = await loadOnnxRuntime(threads);
  const started = tf.findBackend('wasm') as WasmModule | undefined;
  if (started?.wasm?.HEAPU8?.buffer instanceof SharedArrayBuffer) {
    throw new OnnxRuntimeUnavailable('wasm already runs with its own threads in this process, and onnxruntime-node cannot read a shared wasm heap');
  }
  try {
    await startWasm(1);
  } catch (err) {
    throw new OnnxRuntimeUnavailable(`wasm failed to start: ${String((err as Error)?.message ?? err).split('\n', 1)[0]}`);
  }
  registerOnnxRuntimeKernels(runtime);
  return runtime;
}
