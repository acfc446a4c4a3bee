import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, initBackend } from '../src/node';
import { moduleNotFound } from './fake-tensorflow';

jest.mock('@tensorflow/tfjs-backend-webgpu', () => moduleNotFound('@tensorflow/tfjs-backend-webgpu'));

describe('without @tensorflow/tfjs-backend-webgpu', () => {
  it('makes a forced webgpu an error naming the missing package', async () => {
    const attempt = initBackend({ backend: 'webgpu' });
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(attempt).rejects.toMatchObject({
      attempts: [{ name: 'webgpu', reason: '@tensorflow/tfjs-backend-webgpu is not installed' }],
    });
    // Nothing was left half-started: no Dawn instance, no 'webgpu' factory outranking wasm.
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
    expect(tf.findBackendFactory('webgpu')).toBeNull();
  });
});
