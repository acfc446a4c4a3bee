import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/node';
import { moduleNotFound, registerFakeTensorflow } from './fake-tensorflow';

jest.mock('@tensorflow/tfjs-node-gpu', () => registerFakeTensorflow(false));
jest.mock('@tensorflow/tfjs-node', () => {
  throw new Error('tfjs-node must not be loaded beside a working tfjs-node-gpu');
});
jest.mock('webgpu', () => moduleNotFound('webgpu'));

it('uses tfjs-node-gpu as the native CPU backend when there is no CUDA device', async () => {
  const info = await initBackend();
  expect(info).toMatchObject({ name: 'tensorflow', device: 'cpu' });
  expect(info.fallbacks).toEqual([
    { name: 'tensorflow-gpu', reason: '@tensorflow/tfjs-node-gpu loaded, but TensorFlow sees no CUDA device' },
    { name: 'webgpu', reason: 'the webgpu package (Dawn for Node) is not installed' },
  ]);
  expect(tf.getBackend()).toBe('tensorflow');
});
