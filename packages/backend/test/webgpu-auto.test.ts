import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../src/node';
import { provideNavigatorGpu, type GpuLike } from '../src/node/dawn';
import { registerFakeTensorflow } from './fake-tensorflow';
import { itWithAdapter } from './webgpu-probe';

// tfjs-node-gpu is installed but sees no CUDA device: the case WebGPU is for.
jest.mock('@tensorflow/tfjs-node-gpu', () => registerFakeTensorflow(false));

const itGpu = itWithAdapter();

function setNavigatorGpu(gpu: GpuLike | undefined): void {
  Object.defineProperty(globalThis, 'navigator', { value: gpu ? { gpu } : undefined, writable: true, configurable: true });
}

afterEach(() => setNavigatorGpu(undefined));

describe('auto with tfjs-node-gpu but no CUDA device', () => {
  itGpu('takes WebGPU on a hardware adapter, ahead of native TensorFlow on the CPU', async () => {
    // Dawn's real adapter (lavapipe in CI), presented as the hardware GPU a platform would report.
    const dawn = await provideNavigatorGpu();
    const real = await dawn.requestAdapter({ powerPreference: 'high-performance' });
    if (real == null) throw new Error('Dawn found no adapter although the probe did');
    setNavigatorGpu({
      requestAdapter: async () => ({
        info: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200', isFallbackAdapter: false },
        features: real.features,
        limits: real.limits,
        requestDevice: (descriptor) => real.requestDevice(descriptor),
      }),
    });

    const info = await initBackend({ backend: 'auto' });
    expect(info).toMatchObject({
      name: 'webgpu',
      device: 'gpu',
      adapter: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', software: false },
    });
    expect(info.fallbacks).toEqual([
      { name: 'tensorflow-gpu', reason: '@tensorflow/tfjs-node-gpu loaded, but TensorFlow sees no CUDA device' },
    ]);
    expect(tf.getBackend()).toBe('webgpu');
    expect(describeBackend(info)).toBe(
      'backend: webgpu on GPU (NVIDIA H200); skipped tensorflow-gpu (@tensorflow/tfjs-node-gpu loaded, but TensorFlow sees no CUDA device)',
    );
    expect(Array.from(await tf.tensor1d([1, -2, 3]).relu().data())).toEqual([1, 0, 3]);
  });
});
