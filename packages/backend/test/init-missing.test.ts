import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../src/node';
import { moduleNotFound } from './fake-tensorflow';

jest.mock('@tensorflow/tfjs-node-gpu', () => moduleNotFound('@tensorflow/tfjs-node-gpu'));
jest.mock('@tensorflow/tfjs-node', () => moduleNotFound('@tensorflow/tfjs-node'));
jest.mock('webgpu', () => moduleNotFound('webgpu'));
jest.mock('onnxruntime-node/dist/version.js', () => moduleNotFound('onnxruntime-node/dist/version.js'));

describe('auto with neither native TensorFlow, Dawn nor ONNX Runtime installed', () => {
  it('falls back to wasm and says why each faster backend was skipped', async () => {
    const info = await initBackend({ backend: 'auto' });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.device).toBe('cpu');
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.fallbacks).toEqual([
      { name: 'tensorflow-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' },
      { name: 'webgpu', reason: 'the webgpu package (Dawn for Node) is not installed' },
      { name: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed' },
      { name: 'onnxruntime', reason: 'onnxruntime-node is not installed (optional; see README, "How the backend is chosen")' },
    ]);
    const line = describeBackend(info);
    expect(line).toMatch(/^backend: wasm on CPU \(\d+ threads?\); skipped tensorflow-gpu \(@tensorflow\/tfjs-node-gpu is not installed\), webgpu \(the webgpu package \(Dawn for Node\) is not installed\), tensorflow \(.*\), onnxruntime \(onnxruntime-node is not installed/);
    expect(line.split('\n')).toHaveLength(1);
  });

  it('makes a forced tensorflow backend an error that names both packages', async () => {
    const attempt = initBackend({ backend: 'tensorflow' });
    await expect(attempt).rejects.toThrow(
      "backend 'tensorflow' cannot start here (tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed; tensorflow: @tensorflow/tfjs-node is not installed)",
    );
    await expect(attempt).rejects.toMatchObject({ name: 'BackendUnavailableError' });
  });
});
