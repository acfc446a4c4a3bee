import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/node';
import { nativeBinaryMissing } from './fake-tensorflow';

// What this machine has after `pnpm install`: the packages are there, libtensorflow is not.
jest.mock('@tensorflow/tfjs-node-gpu', () => nativeBinaryMissing('@tensorflow/tfjs-node-gpu'));
jest.mock('@tensorflow/tfjs-node', () => nativeBinaryMissing('@tensorflow/tfjs-node'));

it('reports a missing native binary in one line and still starts', async () => {
  const warn = jest.spyOn(console, 'warn');
  const info = await initBackend();
  // The second package re-registers the first one's kernels; those warnings are noise, not news.
  expect(warn.mock.calls.flat().join('\n')).not.toMatch(/already registered/);
  warn.mockRestore();
  expect(info.name).toBe('wasm');
  expect(tf.getBackend()).toBe('wasm');
  // WebGPU sits between the two; whether it starts depends on this machine's adapter (webgpu-init covers it).
  expect(info.fallbacks.map((f) => f.name)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow']);
  for (const fallback of info.fallbacks) {
    if (fallback.name !== 'webgpu') expect(fallback.reason).toMatch(/is installed but its native binary is missing/);
    expect(fallback.reason).not.toMatch(/\n/);
  }
});
