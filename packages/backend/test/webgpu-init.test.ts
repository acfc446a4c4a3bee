import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../src/node';
import { describeAdapterInfo } from '../src/webgpu/adapter';
import { moduleNotFound } from './fake-tensorflow';
import { itWithAdapter, probeWebGpu } from './webgpu-probe';

// Native TensorFlow absent, as on most machines, so that auto's choice depends on WebGPU alone.
jest.mock('@tensorflow/tfjs-node-gpu', () => moduleNotFound('@tensorflow/tfjs-node-gpu'));
jest.mock('@tensorflow/tfjs-node', () => moduleNotFound('@tensorflow/tfjs-node'));

const probe = probeWebGpu();
const itGpu = itWithAdapter(probe);

describe("initBackend({ backend: 'webgpu' })", () => {
  itGpu('starts on the adapter Dawn finds, names it, and computes what cpu computes', async () => {
    if (!probe.found) throw new Error('unreachable: skipped without an adapter');
    const expected = describeAdapterInfo(probe.info);

    const info = await initBackend({ backend: 'webgpu' });
    expect(tf.getBackend()).toBe('webgpu');
    expect(info).toMatchObject({ name: 'webgpu', fallbacks: [], adapter: expected });
    expect(info.device).toBe(expected.software ? 'cpu' : 'gpu');
    expect(info.adapter?.description).not.toBe('');

    const line = describeBackend(info);
    expect(line.startsWith(`backend: webgpu on ${info.device.toUpperCase()} (`)).toBe(true);
    expect(line).toContain(expected.description);
    expect(line.split('\n')).toHaveLength(1);

    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.tensor2d([0.5, -1, 2, 0, 1, 3], [3, 2]);
    expect(Array.from(await tf.matMul(a, b).data())).toEqual([7.5, 8, 18, 14]);
  });

  itGpu('reuses the same backend when called again, so tensors made before stay readable', async () => {
    await initBackend({ backend: 'webgpu' });
    const before = tf.tensor1d([1, 2, 3]).mul(2);
    const backend = tf.backend();
    await initBackend({ backend: 'webgpu' });
    expect(tf.backend()).toBe(backend);
    expect(Array.from(await before.data())).toEqual([2, 4, 6]);
  });

  itGpu('leaves auto off a software adapter but accepts a hardware one', async () => {
    if (!probe.found) throw new Error('unreachable: skipped without an adapter');
    const software = describeAdapterInfo(probe.info).software;
    const info = await initBackend({ backend: 'auto' });
    const webgpu = info.fallbacks.find((f) => f.name === 'webgpu');
    if (software) {
      expect(info.name).toBe('wasm');
      expect(info.fallbacks.map((f) => f.name)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow']);
      expect(webgpu?.reason).toBe(`only a software adapter '${describeAdapterInfo(probe.info).description}' (slower than wasm)`);
    } else {
      expect(info.name).toBe('webgpu');
      expect(info.device).toBe('gpu');
    }
  });
});
