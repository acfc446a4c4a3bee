import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { predictions, useTempDir } from '@zoo/test-kit';
import { GroupedConv2D, groupedConv2d } from '../src';
import { loadModel, saveModel } from '../src/node';

describe('GroupedConv2D', () => {
  const dir = useTempDir('zoo-gconv-');
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('equals a full convolution whose kernel is zero between groups', () => {
    const groups = 2;
    const layer = groupedConv2d({ filters: 6, kernelSize: 3, padding: 'same', groups, seed: 1 });
    const x = tf.randomNormal([2, 5, 5, 4], 0, 1, 'float32', 7);
    const y = layer.apply(x) as tf.Tensor;
    const [k0, k1, bias] = layer.getWeights() as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D];
    expect(k0.shape).toEqual([3, 3, 2, 3]);
    expect(k1.shape).toEqual([3, 3, 2, 3]);
    // Block-diagonal [3, 3, 4, 6]: input channels 0-1 feed filters 0-2 (group 0), 2-3 feed 3-5.
    const [a0, a1] = [k0.arraySync(), k1.arraySync()];
    const full = a0.map((row, i) =>
      row.map((_, j) => [0, 1, 2, 3].map((c) => [0, 1, 2, 3, 4, 5].map((f) => (Math.floor(c / 2) !== Math.floor(f / 3) ? 0 : (c < 2 ? a0 : a1)[i][j][c % 2][f % 3])))),
    );
    const expected = tf.conv2d(x as tf.Tensor4D, tf.tensor4d(full), 1, 'same').add(bias);
    expect(tf.sub(y, expected).abs().max().dataSync()[0]).toBeLessThan(1e-5);
    expect(layer.countParams()).toBe(3 * 3 * 2 * 6 + 6);
    expect(tf.sub(k0, k1).abs().max().dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, y, expected]);
  });

  it('applies relu and computes valid-padding strided shapes', () => {
    const layer = groupedConv2d({ filters: 4, kernelSize: 3, strides: 2, groups: 2, activation: 'relu' });
    const x = tf.randomNormal([1, 9, 9, 2]);
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 4, 4, 4]);
    expect(layer.computeOutputShape([null, 9, 9, 2])).toEqual([null, 4, 4, 4]);
    expect(y.min().dataSync()[0]).toBeGreaterThanOrEqual(0);
    tf.dispose([x, y]);
  });

  it('checks divisibility and echoes the values', () => {
    expect(() => groupedConv2d({ filters: 5, kernelSize: 3, groups: 2 })).toThrow(/filters \(5\) must be divisible by groups \(2\)/);
    const layer = groupedConv2d({ filters: 4, kernelSize: 3, groups: 2 });
    expect(() => layer.apply(tf.input({ shape: [5, 5, 3] }))).toThrow(/input channels \(3\) must be divisible by groups \(2\)/);
    expect(() => groupedConv2d({ filters: 4, kernelSize: 0 })).toThrow(/kernelSize must be an integer >= 1; received 0/);
  });

  it('trains and round-trips through saveModel/loadModel', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.inputLayer({ inputShape: [6, 6, 2] }),
        groupedConv2d({ name: 'conv1', filters: 4, kernelSize: 3, groups: 2, activation: 'relu', seed: 3 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const x = tf.randomNormal([8, 6, 6, 2], 0, 1, 'float32', 4);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
    const before = model.evaluate(x, y) as tf.Scalar;
    await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    const after = model.evaluate(x, y) as tf.Scalar;
    expect(after.dataSync()[0]).toBeLessThan(before.dataSync()[0]);

    await saveModel(model, join(dir(), 'g'));
    const loaded = await loadModel(join(dir(), 'g'));
    expect(loaded.getLayer('conv1')).toBeInstanceOf(GroupedConv2D);
    expect(loaded.getLayer('conv1').getConfig()).toMatchObject({ groups: 2, filters: 4, activation: 'relu', seed: 3 });
    const [original, again] = predictions([model, loaded], x);
    expect(again).toEqual(original);
    tf.dispose([x, y, before, after]);
    model.dispose();
    loaded.dispose();
  });
});
