import type { RawAdapterInfo } from './adapter';

/** The part of a `GPUAdapter` this package uses. */
export interface GpuAdapterLike {
  readonly info?: RawAdapterInfo;
  readonly features: { has(name: string): boolean };
  readonly limits: Record<string, number>;
  requestDevice(descriptor?: {
    requiredFeatures?: string[];
    requiredLimits?: Record<string, number>;
  }): Promise<unknown>;
}

/** The part of `navigator.gpu` this package uses. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

/** Thrown when WebGPU cannot start here; `message` is the one-line reason a run prints. */
export class WebGpuUnavailable extends Error {
  override name = 'WebGpuUnavailable';
}

/** Where {@link startWebGpu} gets `navigator.gpu` from, and how it lets go of one it only probed. */
export interface GpuProvider {
  provide(): Promise<GpuLike>;
  release(): void;
}

function browserNavigator(): { gpu?: GpuLike } | undefined {
  return (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
}

/** A browser's own WebGPU: `navigator.gpu`, or the reason there is none. */
export const browserGpu: GpuProvider = {
  async provide() {
    const gpu = browserNavigator()?.gpu;
    if (gpu === undefined) {
      const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
      throw new WebGpuUnavailable(
        secure === false ? 'navigator.gpu is missing: WebGPU needs a secure context (https or localhost)' : 'this browser has no WebGPU (navigator.gpu)',
      );
    }
    return gpu;
  },
  release() {},
};
