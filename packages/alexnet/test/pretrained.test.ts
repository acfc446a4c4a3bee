import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { servedFetch } from '@zoo/test-kit';
import { loadPretrained } from '../src';
import { ALEXNET_WEIGHTS_DIR, loadPretrained as loadShipped } from '../src/node';

/** A fetch that serves this package's weights folder as https://cdn.test/weights/. */
const servedWeights = () => servedFetch(join(ALEXNET_WEIGHTS_DIR, 'alexnet-mini'), 'https://cdn.test/weights/alexnet-mini/');

describe('@zoo/alexnet pretrained weights', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('ships alexnet-mini in weights/ and loads it from disk in Node', async () => {
    const p = await loadShipped('alexnet-mini');
    expect(p.weights.model).toBe('alexnet-mini');
    expect(p.model.outputs[0].shape).toEqual([null, 10]);
    const top = await p.classify(tf.zeros([28, 28]), { topK: 10 });
    expect(top.map((c) => c.className).sort()).toEqual([...p.weights.categories].sort());
    p.model.dispose();
  });

  it('loads the same weights by URL from the browser-safe entry, and needs the URL there', async () => {
    const p = await loadPretrained('alexnet-mini', { url: 'https://cdn.test/weights/alexnet-mini/', fetch: await servedWeights() });
    const disk = await loadShipped('alexnet-mini');
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 2);
    expect(Array.from((p.model.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((disk.model.predict(x) as tf.Tensor).dataSync()));
    await expect(loadPretrained('alexnet-mini')).rejects.toThrow(/options\.url is required here/);
  });

  it("refuses a name outside the family", async () => {
    await expect(loadShipped('lenet5' as never)).rejects.toThrow(/loadPretrained: name must be one of/);
    await expect(loadPretrained('lenet5' as never, { url: 'https://cdn.test/x/' })).rejects.toThrow(/loadPretrained: name must be one of/);
  });
});

describe('@zoo/alexnet weights too big to ship', () => {
  it('say where to point the loader', async () => {
    await expect(loadShipped('alexnet')).rejects.toThrow(/no weights ship for 'alexnet'.*pass \{ weightsPath \} or \{ url \}/);
    await expect(loadShipped('alexnet-classic')).rejects.toThrow(/no weights ship for 'alexnet-classic'/);
  });
});

describe('@zoo/alexnet weights from a path the user gives', () => {
  it('load alexnet-classic (LRN and grouped convolutions) from weightsPath, pinned by sha256', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { saveTrainedModel } = await import('@zoo/layers/node');
    const { alexnet, ALEXNET_MODELS } = await import('../src');
    const dir = await mkdtemp(join(tmpdir(), 'zoo-alexnet-weights-'));
    try {
      // The paper's layout at its smallest input and a fraction of its widths, so the file stays small.
      const config = { variant: 'alexnet-classic' as const, inputSize: 67, filters: [8, 8, 8, 8, 8] as [number, number, number, number, number], units: [16, 16] as [number, number], seed: 1 };
      const model = alexnet(config);
      const manifest = await saveTrainedModel(model, join(dir, 'classic'), {
        model: 'alexnet-classic',
        config,
        categories: Array.from({ length: 1000 }, (_, i) => `class ${i}`),
        input: { size: 67, channels: 3, layout: 'NHWC', normalization: { scale: 1 / 255, offset: 0 } },
        dataset: 'none (untrained, for the test)',
        testAccuracy: 0,
        testLoss: 0,
        testExamples: 0,
        recipe: ALEXNET_MODELS['alexnet-classic'].training,
        command: 'jest',
        backend: 'cpu',
        trainSeconds: 0,
      });
      const p = await loadShipped('alexnet-classic', { weightsPath: join(dir, 'classic'), sha256: manifest.sha256 });
      expect(p.model.layers.map((l) => l.getClassName())).toEqual(expect.arrayContaining(['LocalResponseNormalization', 'GroupedConv2D']));
      const x = tf.randomUniform([1, 67, 67, 3], 0, 1, 'float32', 3);
      expect(Array.from((p.model.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
      // A colour photo of any size goes in as it is.
      expect(p.preprocess(tf.zeros([100, 80, 3])).shape).toEqual([1, 67, 67, 3]);
      await expect(loadShipped('alexnet-classic', { weightsPath: join(dir, 'classic'), sha256: 'a'.repeat(64) })).rejects.toThrow(/but a{64} was expected/);
      await writeFile(join(dir, 'classic', manifest.files.weights[0]), Buffer.alloc(manifest.bytes));
      await expect(loadShipped('alexnet-classic', { weightsPath: join(dir, 'classic') })).rejects.toThrow(/checksum mismatch/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
