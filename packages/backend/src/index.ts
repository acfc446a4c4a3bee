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
export { registerWasmTrainingKernels } from './wasm';
