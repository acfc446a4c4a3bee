/** The WebGPU adapter a run computes on, as its driver names it. */
export interface GpuAdapterInfo {
  /** e.g. `nvidia`, `amd`, `intel`, `apple`, `mesa` (Mesa's software rasteriser). */
  vendor: string;
  /** e.g. `hopper`, `rdna-3`, `gen-12lp`; `software` for a software rasteriser. */
  architecture: string;
  /** The driver's name for the device, e.g. `NVIDIA H200` or `llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)`. */
  description: string;
  /**
   * True for a software rasteriser (Mesa's llvmpipe/lavapipe, SwiftShader, WARP): it runs the same
   * shaders, so it is good for testing, but on the CPU and slower than the wasm backend.
   */
  software: boolean;
}

/** The fields of a `GPUAdapterInfo` this package reads; every one may be missing on older Dawn builds. */
export interface RawAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

// Names software rasterisers give themselves, for drivers that report neither `isFallbackAdapter` nor
// the `software` architecture (older Dawn builds, SwiftShader's Vulkan ICD loaded by hand).
const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render/i;

/** Normalises what a driver says about its adapter into the fields a run reports. */
export function describeAdapterInfo(raw: RawAdapterInfo): GpuAdapterInfo {
  const vendor = raw.vendor?.trim() ?? '';
  const architecture = raw.architecture?.trim() ?? '';
  const device = raw.device?.trim() ?? '';
  const description = raw.description?.trim() || device || [vendor, architecture].filter(Boolean).join(' ') || 'unnamed adapter';
  const software =
    raw.isFallbackAdapter === true || architecture.toLowerCase() === 'software' || SOFTWARE_NAMES.test(`${description} ${device}`);
  return { vendor, architecture, description, software };
}

/** `nvidia NVIDIA H200`, or `software mesa llvmpipe: …`: what a log line calls the adapter. */
export function adapterLabel(adapter: GpuAdapterInfo): string {
  const vendor = adapter.vendor && !adapter.description.toLowerCase().startsWith(adapter.vendor.toLowerCase()) ? `${adapter.vendor} ` : '';
  return `${adapter.software ? 'software adapter ' : ''}${vendor}${adapter.description}`;
}
