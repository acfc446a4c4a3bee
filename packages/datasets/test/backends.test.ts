import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { toDataset, type Split } from '../src';

// Resizing runs on whichever backend is active; training runs on wasm here, tests mostly on cpu.
// The two must produce the same batches.
describe('toDataset on the wasm backend', () => {
  afterAll(() => tf.setBackend('cpu'));

  it('yields the same batches as on cpu', async () => {
    const count = 40;
    const images = new Uint8Array(count * 28 * 28).map((_, i) => (i * 31 + (i >> 7)) % 256);
    const split: Split = { images, labels: new Uint8Array(count).map((_, i) => i % 10), count, height: 28, width: 28 };
    const options = { batchSize: 16, resize: [56, 40] as const, shuffle: true, seed: 9, augment: { flip: true, crop: 3 } };
    const batches: Record<string, { xs: Float32Array; ys: Float32Array; shape: number[] }[]> = {};
    for (const backend of ['cpu', 'wasm']) {
      expect(await tf.setBackend(backend)).toBe(true);
      batches[backend] = [];
      await toDataset(split, options).forEachAsync(({ xs, ys }) => {
        batches[backend].push({ xs: xs.dataSync() as Float32Array, ys: ys.dataSync() as Float32Array, shape: xs.shape });
        tf.dispose([xs, ys]);
      });
    }
    expect(batches.wasm.map((b) => b.shape)).toEqual([[16, 56, 40, 1], [16, 56, 40, 1], [8, 56, 40, 1]]);
    batches.wasm.forEach((b, i) => {
      const cpu = batches.cpu[i];
      expect(Array.from(b.ys)).toEqual(Array.from(cpu.ys));
      let worst = 0;
      b.xs.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - cpu.xs[j]))));
      expect(worst).toBeLessThan(1e-5);
    });
  });
});
