import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendChoice } from '@zoo/backend';
import { toDataset } from '@zoo/datasets';
import { loadFashionMnist, type MnistLike } from '@zoo/datasets/node';
import { createModel } from '@zoo/models';
import { evaluate, train } from '@zoo/trainer';

// LeNet-5 (ReLU) trained on real Fashion-MNIST with ONNX Runtime's kernels and with plain wasm:
// same seed, same data order, same dropout; the two must reach the same test accuracy.
const DATA_DIR = '/usr/share/datasets/fashion-mnist';
const haveData = existsSync(`${DATA_DIR}/train-images-idx3-ubyte.gz`);
function ortInstalled(): boolean {
  try {
    require.resolve('onnxruntime-node/dist/binding.js');
    return true;
  } catch {
    return false;
  }
}
const runnable = haveData && ortInstalled();
if (!haveData) console.warn(`Fashion-MNIST is not at ${DATA_DIR} (apt-get install dataset-fashion-mnist): the ONNX Runtime training check is skipped`);
else if (!ortInstalled()) console.warn('onnxruntime-node is not installed: the ONNX Runtime training check is skipped');

const TRAIN_IMAGES = 12_000;
const TEST_IMAGES = 2_000;
const EPOCHS = 2;

async function trainedAccuracy(data: MnistLike, backend: BackendChoice): Promise<{ accuracy: number; choice: string }> {
  const info = await initBackend({ backend, threads: 1 });
  const model = createModel('lenet5-relu', { seed: 7 });
  try {
    await train(model, {
      train: toDataset(data.train, { batchSize: 128, shuffle: true, seed: 3, limit: TRAIN_IMAGES }),
      epochs: EPOCHS,
      optimizer: { name: 'momentum', lr: 0.05, momentum: 0.9 },
      seed: 11,
    });
    const result = await evaluate(model, toDataset(data.test, { batchSize: 500, limit: TEST_IMAGES }));
    return { accuracy: result.accuracy, choice: info.choice };
  } finally {
    model.dispose();
  }
}

(runnable ? test : test.skip)(
  'lenet5-relu on real Fashion-MNIST reaches the same accuracy on wasm + onnxruntime as on wasm',
  async () => {
    tf.enableProdMode();
    const data = await loadFashionMnist({ dir: DATA_DIR, download: false });
    const ort = await trainedAccuracy(data, 'onnxruntime');
    const wasm = await trainedAccuracy(data, 'wasm');
    expect(ort.choice).toBe('onnxruntime');
    expect(wasm.choice).toBe('wasm');
    // Two epochs on 12,000 images: both well past chance (10 %), and within 2 points of each other
    // (rounding differs between the kernels, so the runs drift apart slightly).
    expect(wasm.accuracy).toBeGreaterThan(0.7);
    expect(Math.abs(ort.accuracy - wasm.accuracy)).toBeLessThan(0.02);
  },
  600_000,
);
