import { BatchMatMul, Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, FusedConv2D, getKernel, MaxPoolGrad, registerKernel, unregisterKernel, _FusedMatMul, type KernelConfig } from '@tensorflow/tfjs';
import { nativeWasmKernel, registerWasmTrainingKernels, type WasmTrainingKernelOptions } from '../../wasm/register';
import { onnxKernelConfigs, type OnnxKernelOptions, type OnnxKernels } from './kernels';
import { DELEGATION_POLICIES } from './rules';
import type { OnnxRuntime } from './runtime';

const WASM = 'wasm';

/** Options of {@link registerOnnxRuntimeKernels}. */
export interface OnnxRuntimeKernelOptions extends OnnxKernelOptions {
  /** Options of the zoo's wasm kernels, which every call ORT does not take falls back to. */
  wasm?: WasmTrainingKernelOptions;
}

function replace(config: KernelConfig): void {
  if (getKernel(config.kernelName, WASM) !== undefined) unregisterKernel(config.kernelName, WASM);
  registerKernel(config);
}

let active: OnnxKernels | undefined;

/**
 * Registers ONNX Runtime kernels on the wasm backend: `Conv2D`, `FusedConv2D`,
 * `Conv2DBackpropInput`, `Conv2DBackpropFilter`, `BatchMatMul`, `_FusedMatMul` and `MaxPoolGrad`
 * (non-overlapping windows) run on `runtime`
 * where the rule in rules.ts says ORT is faster, and on the zoo's wasm kernels otherwise (which this
 * registers first). Idempotent: a second call replaces the first's kernels and releases its sessions.
 * @returns the registered set (delegation counts, session count).
 * @throws when `policy` is not one of `auto`, `always`, `never`.
 */
export function registerOnnxRuntimeKernels(runtime: OnnxRuntime, options: OnnxRuntimeKernelOptions = {}): OnnxKernels {
  if (options.policy !== undefined && !DELEGATION_POLICIES.includes(options.policy)) {
    throw new Error(`Unknown ONNX Runtime delegation policy '${String(options.policy)}'; valid: ${DELEGATION_POLICIES.join(', ')}`);
  }
  unregisterOnnxRuntimeKernels();
  // What each ORT kernel falls back to: the zoo's gradient and product kernels, wasm's own forward ones.
  registerWasmTrainingKernels(options.wasm);
  for (const name of [Conv2D, FusedConv2D, _FusedMatMul]) replace(nativeWasmKernel(name));
  active = onnxKernelConfigs(runtime, { simdMaxPoolGrad: options.wasm?.simdMaxPoolGrad, ...options });
  for (const config of active.configs) replace(config);
  return active;
}

/** Puts the wasm kernels back (the zoo's training kernels, wasm's own forward ones) and releases every ORT session. */
export function unregisterOnnxRuntimeKernels(): void {
  if (active === undefined) return;
  active.dispose();
  active = undefined;
  for (const name of [Conv2D, FusedConv2D, _FusedMatMul]) replace(nativeWasmKernel(name));
  registerWasmTrainingKernels();
}

/** The kernel names {@link registerOnnxRuntimeKernels} replaces. */
export const ONNX_RUNTIME_KERNELS: readonly string[] = [Conv2D, FusedConv2D, Conv2DBackpropInput, Conv2DBackpropFilter, BatchMatMul, _FusedMatMul, MaxPoolGrad];
