import * as tf from '@tensorflow/tfjs';
import { describeAdapterInfo, type GpuAdapterInfo } from './adapter';
import { WebGpuUnavailable, type GpuAdapterLike, type GpuProvider } from './gpu';

interface WebGpuBackendModule {
  WebGPUBackend: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend;
}

/** Options of {@link startWebGpu}. */
export interface StartWebGpuOptions {
  /** Refuse a software rasteriser (what `auto` wants: lavapipe is slower than wasm). */
  hardwareOnly: boolean;
  /** Where `navigator.gpu` comes from: the browser's, or Dawn's in Node. */
  gpu: GpuProvider;
}

const BACKEND = 'webgpu';

// The adapter behind the 'webgpu' backend this module registered, so a second initBackend reuses the
// backend (and its tensors) instead of making a new device.
let registered: GpuAdapterInfo | undefined;

function firstLine(text: string): string {
  return text.split('\n', 1)[0].trim();
}

async function importBackendModule(): Promise<WebGpuBackendModule> {
  const pkg = '@tensorflow/tfjs-backend-webgpu';
  try {
    return (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as WebGpuBackendModule;
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    const message = String(error?.message ?? err);
    if ((error?.code === 'MODULE_NOT_FOUND' || error?.code === 'ERR_MODULE_NOT_FOUND') && message.includes(pkg)) {
      throw new WebGpuUnavailable(`${pkg} is not installed`);
    }
    throw new WebGpuUnavailable(`${pkg} failed to load: ${firstLine(message)}`);
  }
}

/** The device TF.js's own WebGPU factory would ask for: the adapter's full limits, and GPU timers for tf.profile. */
async function requestDevice(adapter: GpuAdapterLike, info: GpuAdapterInfo): Promise<unknown> {
  const limits = adapter.limits;
  const requiredLimits: Record<string, number> = {};
  for (const name of [
    'maxComputeWorkgroupStorageSize',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeInvocationsPerWorkgroup',
  ]) {
    if (typeof limits[name] === 'number') requiredLimits[name] = limits[name];
  }
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  try {
    return await adapter.requestDevice({ requiredFeatures, requiredLimits });
  } catch (err) {
    throw new WebGpuUnavailable(`adapter '${info.description}' refused a device: ${firstLine(String((err as Error)?.message ?? err))}`);
  }
}

function hasBackendInstance(): boolean {
  return BACKEND in tf.engine().registry;
}

/**
 * Makes TF.js's WebGPU backend the active one, on `options.gpu`'s `navigator.gpu`,
 * and says which adapter it computes on. Throws {@link WebGpuUnavailable} with a one-line reason when
 * a package is missing, no adapter is found, or (with `hardwareOnly`) the only one is a software
 * rasteriser.
 */
export async function startWebGpu(options: StartWebGpuOptions): Promise<GpuAdapterInfo> {
  if (registered !== undefined && hasBackendInstance()) {
    if (options.hardwareOnly && registered.software) {
      throw new WebGpuUnavailable(`only a software adapter '${registered.description}' (slower than wasm)`);
    }
    await activate();
    return registered;
  }
  // Imported before navigator.gpu exists, so the package does not register its own 'webgpu' factory
  // (which would pick its own adapter, and outrank wasm in TF.js's default choice if we then skip).
  const { WebGPUBackend } = await importBackendModule();
  const gpu = await options.gpu.provide();
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    options.gpu.release();
    throw new WebGpuUnavailable(`no WebGPU adapter found: ${firstLine(String((err as Error)?.message ?? err))}`);
  }
  if (adapter == null) {
    options.gpu.release();
    throw new WebGpuUnavailable('no WebGPU adapter found (no Vulkan, Metal or D3D12 driver that Dawn accepts)');
  }
  const info = describeAdapterInfo(adapter.info ?? {});
  if (options.hardwareOnly && info.software) {
    options.gpu.release();
    throw new WebGpuUnavailable(`only a software adapter '${info.description}' (slower than wasm)`);
  }
  const device = await requestDevice(adapter, info);
  if (tf.findBackendFactory(BACKEND) != null && !hasBackendInstance()) tf.removeBackend(BACKEND);
  if (tf.findBackendFactory(BACKEND) == null) {
    const adapterInfo = adapter.info;
    tf.registerBackend(BACKEND, () => new WebGPUBackend(device, adapterInfo), 3);
  }
  await activate();
  registered = info;
  return info;
}

async function activate(): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(BACKEND);
  } catch (err) {
    throw new WebGpuUnavailable(`backend 'webgpu' failed to initialise: ${firstLine(String((err as Error)?.message ?? err))}`);
  }
  if (!ok) throw new WebGpuUnavailable("backend 'webgpu' failed to initialise");
  await tf.ready();
}
