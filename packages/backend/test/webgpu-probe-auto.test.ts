import { initBackend } from '../src/node';
import { probeWebGpu } from '../src/node/webgpu-probe';
import { moduleNotFound } from './fake-tensorflow';

// Native TensorFlow absent, so auto's road runs through WebGPU to wasm.
jest.mock('@tensorflow/tfjs-node-gpu', () => moduleNotFound('@tensorflow/tfjs-node-gpu'));
jest.mock('@tensorflow/tfjs-node', () => moduleNotFound('@tensorflow/tfjs-node'));
// The seam: what the child-process probe answers.
jest.mock('../src/node/webgpu-probe', () => ({ probeWebGpu: jest.fn() }));

const probe = probeWebGpu as jest.MockedFunction<typeof probeWebGpu>;
const navigatorGpu = (): unknown => (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;

describe('auto asks the child-process probe before it starts Dawn here', () => {
  it("skips WebGPU with the probe's reason and never makes a Dawn instance in this process", async () => {
    probe.mockResolvedValue({ found: false, reason: 'no WebGPU adapter found (no Vulkan, Metal or D3D12 driver that Dawn accepts)' });
    const info = await initBackend({ backend: 'auto' });
    expect(probe).toHaveBeenCalledTimes(1);
    expect(info.fallbacks.find((f) => f.name === 'webgpu')).toEqual({
      name: 'webgpu',
      reason: 'no WebGPU adapter found (no Vulkan, Metal or D3D12 driver that Dawn accepts)',
    });
    expect(navigatorGpu()).toBeUndefined();
  });

  it('skips a software adapter the probe found, by its name, without starting Dawn here either', async () => {
    probe.mockResolvedValue({ found: true, info: { vendor: 'mesa', architecture: '', device: '', description: 'llvmpipe: Mesa 25.0.7', isFallbackAdapter: false } });
    const info = await initBackend({ backend: 'auto' });
    expect(info.fallbacks.find((f) => f.name === 'webgpu')?.reason).toBe("only a software adapter 'llvmpipe: Mesa 25.0.7' (slower than wasm)");
    expect(info.name).not.toBe('webgpu');
    expect(navigatorGpu()).toBeUndefined();
  });
});
