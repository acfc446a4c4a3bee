import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm';

/** Starts the wasm backend with the kernels training needs; returns the threads it computes with. */
export async function startWasm(): Promise<number> {
  if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') returned false");
  await tf.ready();
  registerWasmTrainingKernels();
  return getThreadsCount();
}
