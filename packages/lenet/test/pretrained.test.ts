import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { servedFetch } from '@zoo/test-kit';
import { loadPretrained } from '../src';
import { LENET_WEIGHTS_DIR, loadPretrained as loadShipped } from '../src/node';

/** A fetch that serves this package's weights folder as https://cdn.test/weights/. */
const servedWeights = () => servedFetch(join(LENET_WEIGHTS_DIR, 'lenet5'), 'https://cdn.test/weights/lenet5/');

describe('@zoo/lenet pretrained weights', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('ships lenet5 in weights/ and loads it from disk in Node', async () => {
    const p = await loadShipped('lenet5');
    expect(p.weights.model).toBe('lenet5');
    expect(p.model.outputs[0].shape).toEqual([null, 10]);
    const top = await p.classify(tf.zeros([28, 28]), { topK: 10 });
    expect(top.map((c) => c.className).sort()).toEqual([...p.weights.categories].sort());
    p.model.dispose();
  });

  it('loads the same weights by URL from the browser-safe entry, and needs the URL there', async () => {
    const p = await loadPretrained('lenet5', { url: 'https://cdn.test/weights/lenet5/', fetch: await servedWeights() });
    const disk = await loadShipped('lenet5');
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 2);
    expect(Array.from((p.model.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((disk.model.predict(x) as tf.Tensor).dataSync()));
    await expect(loadPretrained('lenet5')).rejects.toThrow(/options\.url is required here/);
  });

  it("refuses a name outside the family", async () => {
    await expect(loadShipped('alexnet-mini' as never)).rejects.toThrow(/loadPretrained: name must be one of/);
    await expect(loadPretrained('alexnet-mini' as never, { url: 'https://cdn.test/x/' })).rejects.toThrow(/loadPretrained: name must be one of/);
  });
});
