import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../wasm';
import { setWasmBackendWithThreads } from './wasm-threads';

/**
 * Starts the wasm backend with the kernels training needs, on `threads` threads if wasm has not
 * started in this thread yet (its pool is fixed at start); returns the threads it computes with.
 */
export async function startWasm(threads: number): Promise<number> {
  if (tf.engine().registry.wasm === undefined) {
    await setWasmBackendWithThreads(threads);
  } else if (!(await tf.setBackend('wasm'))) {
    throw new Error("tf.setBackend('wasm') returned false");
  }
  await tf.ready();
  registerWasmTrainingKernels();
  return getThreadsCount();
}
