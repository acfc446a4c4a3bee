export {
  BACKEND_CHOICES,
  BackendUnavailableError,
  describeBackend,
  initBackend,
  type BackendChoice,
  type BackendFallback,
  type BackendInfo,
  type InitBackendOptions,
} from './init';
export type { GpuAdapterInfo } from './webgpu/adapter';
export {
  FILTER_GRADIENT_ALGORITHMS,
  INPUT_GRADIENT_ALGORITHMS,
  MAX_WASM_THREADS,
  registerWasmTrainingKernels,
  setWasmBackendWithThreads,
  type FilterGradientAlgorithm,
  type InputGradientAlgorithm,
  type WasmTrainingKernelOptions,
} from './wasm';
