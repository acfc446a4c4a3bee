import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../src/node';
import { nativeWasmKernel } from '../src/wasm/register';
import { onnxRuntimeInstalled } from './onnx-installed';

const saved = process.env.ZOO_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.ZOO_BACKEND;
  else process.env.ZOO_BACKEND = saved;
});

(onnxRuntimeInstalled() ? describe : describe.skip)('wasm + onnxruntime through initBackend', () => {
  test('ZOO_BACKEND=onnxruntime starts wasm with ORT kernels on the given threads, and says so in one line', async () => {
    process.env.ZOO_BACKEND = 'onnxruntime';
    const info = await initBackend({ threads: 2 });
    expect(info).toMatchObject({ name: 'wasm', choice: 'onnxruntime', device: 'cpu', threads: 2, fallbacks: [] });
    expect(info.onnxruntime).toMatchObject({ version: '1.30.0', threads: 2 });
    expect(tf.getBackend()).toBe('wasm');
    expect(describeBackend(info)).toMatch(/^backend: wasm \+ onnxruntime \(MLAS(, [A-Z0-9-]+)?\) on CPU \(2 threads\)$/);
    expect(tf.getKernel('Conv2D', 'wasm')?.kernelFunc).not.toBe(nativeWasmKernel('Conv2D').kernelFunc);
    // A layer's worth of work runs and agrees with itself through the registered kernels.
    const y = tf.tidy(() => tf.conv2d(tf.ones<tf.Rank.R4>([4, 12, 12, 8]), tf.ones<tf.Rank.R4>([3, 3, 8, 16]), 1, 'valid').max().dataSync()[0]);
    expect(y).toBe(72);
  });

  test("asking for plain wasm afterwards refuses ORT: wasm's own kernels are back", async () => {
    const info = await initBackend({ backend: 'wasm' });
    expect(info).toMatchObject({ name: 'wasm', choice: 'wasm' });
    expect(info.onnxruntime).toBeUndefined();
    expect(describeBackend(info)).toMatch(/^backend: wasm on CPU/);
    expect(tf.getKernel('Conv2D', 'wasm')?.kernelFunc).toBe(nativeWasmKernel('Conv2D').kernelFunc);
  });
});
