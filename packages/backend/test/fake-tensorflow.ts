import * as tf from '@tensorflow/tfjs';

/**
 * Stands in for @tensorflow/tfjs-node(-gpu) in tests: registers a 'tensorflow' backend (the cpu
 * backend's class underneath) that reports whether it uses a GPU, as the native binding does.
 */
export function registerFakeTensorflow(usesGpu: boolean): Record<string, never> {
  const cpuBackend = tf.findBackend('cpu');
  if (cpuBackend == null) throw new Error('the cpu backend is not available');
  const Backend = cpuBackend.constructor as new () => tf.KernelBackend;
  tf.registerBackend('tensorflow', () => Object.assign(new Backend(), { isUsingGpuDevice: usesGpu }));
  return {};
}

export function moduleNotFound(pkg: string): never {
  const error = new Error(`Cannot find module '${pkg}' from 'src/init.ts'`) as NodeJS.ErrnoException;
  error.code = 'MODULE_NOT_FOUND';
  throw error;
}

/** As the real packages do: register the 'tensorflow' kernels first, then fail to load the binding. */
export function nativeBinaryMissing(pkg: string): never {
  const kernelFunc = () => {
    throw new Error('never run');
  };
  tf.registerKernel({ kernelName: 'ZooProbe', backendName: 'tensorflow', kernelFunc });
  throw new Error(
    `The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/${pkg}/lib/napi-v8/tfjs_binding.node. \nPlease run command 'npm rebuild @tensorflow/tfjs-node build-addon-from-source' to rebuild the native addon module.`,
  );
}
