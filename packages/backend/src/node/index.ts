/**
 * @zoo/backend for Node: the main entry's API with Node's initBackend (native TensorFlow, WebGPU on
 * Dawn, threaded wasm), plus what only Node has. Node resolves `@zoo/backend` here (the `node`
 * export condition); `@zoo/backend/node` names it explicitly.
 */
export {
  BackendUnavailableError,
  describeBackend,
  type BackendChoice,
  type BackendFallback,
  type BackendInfo,
  type InitBackendOptions,
  type OnnxRuntimeInfo,
} from '../init';
export { BACKEND_CHOICES, initBackend } from './init';
export type { GpuAdapterInfo } from '../webgpu/adapter';
export {
  chooseFilterGradient,
  FILTER_GRADIENT_ALGORITHMS,
  FILTER_GRADIENT_CHOICES,
  INPUT_GRADIENT_ALGORITHMS,
  MAX_WASM_THREADS,
  registerWasmTrainingKernels,
  type FilterGradientAlgorithm,
  type FilterGradientChoice,
  type InputGradientAlgorithm,
  type WasmTrainingKernelOptions,
} from '../wasm';
export { setWasmBackendWithThreads, THREADED_START_TIMEOUT_MS } from './wasm-threads';
export { provideNavigatorGpu, releaseNavigatorGpu } from './dawn';
export {
  DELEGATION_POLICIES,
  loadOnnxRuntime,
  ONNX_RUNTIME_KERNELS,
  ONNXRUNTIME_VERSION,
  OnnxRuntimeUnavailable,
  registerOnnxRuntimeKernels,
  unregisterOnnxRuntimeKernels,
  type DelegationCounts,
  type DelegationPolicy,
  type OnnxKernels,
  type OnnxRuntime,
  type OnnxRuntimeKernelOptions,
  type OrtSession,
} from './onnx';
