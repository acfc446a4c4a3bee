/**
 * @zoo/backend for Node: the main entry's API with Node's initBackend (native TensorFlow, WebGPU on
 * Dawn, threaded wasm), plus what only Node has. Node resolves `@zoo/backend` here (the `node`
 * export condition); `@zoo/backend/node` names it explicitly.
 */
// The main entry's API, with Node's initBackend and BACKEND_CHOICES in place of the browser's (a
// module's own exports take precedence over those it re-exports with `export *`).
export * from '../index';
export { BACKEND_CHOICES, initBackend } from './init';
export { setWasmBackendWithThreads, THREADED_START_TIMEOUT_MS } from './wasm-threads';
export { provideNavigatorGpu, releaseNavigatorGpu } from './dawn';
export {
  backendProcessEnv,
  DELEGATION_POLICIES,
  glibcRuntimeVersion,
  loadOnnxRuntime,
  ONNX_RUNTIME_KERNELS,
  ONNXRUNTIME_VERSION,
  OnnxRuntimeUnavailable,
  ORT_MALLOC_TUNABLES,
  ortProcessEnv,
  registerOnnxRuntimeKernels,
  unregisterOnnxRuntimeKernels,
  withOrtMallocTunables,
  type DelegationCounts,
  type DelegationPolicy,
  type OnnxFilterGradient,
  type OnnxInputGradient,
  type OnnxKernels,
  type OnnxRuntime,
  type OnnxRuntimeKernelOptions,
  type OrtProcessEnv,
  type OrtSession,
} from './onnx';
