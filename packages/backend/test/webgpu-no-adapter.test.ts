import { initBackend } from '../src/node';
import type { GpuLike } from '../src/node/dawn';
import { registerFakeTensorflow } from './fake-tensorflow';

// tfjs-node-gpu is installed but sees no CUDA device, so auto goes on to WebGPU and then to it.
jest.mock('@tensorflow/tfjs-node-gpu', () => registerFakeTensorflow(false));

// What a browser, Deno or Electron reports when WebGPU exists but finds no adapter.
function setNavigatorGpu(gpu: GpuLike | undefined): void {
  Object.defineProperty(globalThis, 'navigator', { value: gpu ? { gpu } : undefined, writable: true, configurable: true });
}

beforeEach(() => setNavigatorGpu({ requestAdapter: async () => null }));
afterEach(() => setNavigatorGpu(undefined));

describe('a platform whose WebGPU finds no adapter', () => {
  it('auto moves on to native TensorFlow and says why', async () => {
    const info = await initBackend({ backend: 'auto' });
    expect(info.name).toBe('tensorflow');
    expect(info.fallbacks[1]).toEqual({
      name: 'webgpu',
      reason: 'no WebGPU adapter found (no Vulkan, Metal or D3D12 driver that Dawn accepts)',
    });
  });

  it('makes a forced webgpu an error that says so', async () => {
    await expect(initBackend({ backend: 'webgpu' })).rejects.toThrow(
      "backend 'webgpu' cannot start here (webgpu: no WebGPU adapter found (no Vulkan, Metal or D3D12 driver that Dawn accepts))",
    );
  });
});
