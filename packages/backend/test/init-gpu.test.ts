import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/node';
import { registerFakeTensorflow } from './fake-tensorflow';

jest.mock('@tensorflow/tfjs-node-gpu', () => registerFakeTensorflow(true));
jest.mock('@tensorflow/tfjs-node', () => {
  throw new Error('tfjs-node must not be loaded when tfjs-node-gpu works');
});

it('prefers tfjs-node-gpu when TensorFlow sees a CUDA device', async () => {
  const info = await initBackend({ backend: 'auto' });
  expect(info).toMatchObject({ name: 'tensorflow', device: 'gpu', fallbacks: [] });
  expect(tf.getBackend()).toBe('tensorflow');
});
