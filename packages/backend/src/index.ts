export {
  BackendUnavailableError,
  describeBackend,
  type BackendChoice,
  type BackendFallback,
  type BackendInfo,
  type InitBackendOptions,
  type OnnxRuntimeInfo,
} from './init';
export { BACKEND_CHOICES, initBackend } from './browser';
export {
  DATA_PARALLEL_MAX_MACS_PER_EXAMPLE,
  DATA_PARALLEL_MIN_SLICE,
  type DataParallelChoice,
  dataParallelReplicas,
} from './data-parallel';
export type { GpuAdapterInfo } from './webgpu/adapter';
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
} from './wasm';
