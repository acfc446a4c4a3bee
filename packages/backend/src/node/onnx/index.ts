export { loadOnnxRuntime, ONNXRUNTIME_VERSION, OnnxRuntimeUnavailable, type OnnxRuntime, type OrtSession } from './runtime';
export { ONNX_RUNTIME_KERNELS, registerOnnxRuntimeKernels, unregisterOnnxRuntimeKernels, type OnnxRuntimeKernelOptions } from './register';
export type { DelegationCounts, OnnxFilterGradient, OnnxInputGradient, OnnxKernels } from './kernels';
export { DELEGATION_POLICIES, type DelegationPolicy } from './rules';
export { backendProcessEnv, glibcRuntimeVersion, ORT_MALLOC_TUNABLES, ortProcessEnv, withOrtMallocTunables, type OrtProcessEnv } from './allocator-env';
