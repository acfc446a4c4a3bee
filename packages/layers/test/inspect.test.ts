import * as tf from '@tensorflow/tfjs';
import { activationGrid, convLayers, featureMaps, filterGrid } from '@zoo/analysis';
import { groupedConv2d } from '../src';

function net(inChannels: number): tf.Sequential {
  return tf.sequential({
    name: 'net',
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, inChannels], name: 'conv1', filters: 4, kernelSize: 3, padding: 'same' }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }),
      groupedConv2d({ name: 'conv2', filters: 6, kernelSize: 3, groups: 2, padding: 'same' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc', units: 3 }),
    ],
  });
}

const px = (g: { width: number; data: Uint8ClampedArray }, x: number, y: number): number[] => {
  const p = (y * g.width + x) * 4;
  return Array.from(g.data.slice(p, p + 4));
};

describe('model inspection', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('finds every layer with a 4-D kernel, grouped convolutions included', () => {
    const convs = convLayers(net(1));
    expect(convs.map((c) => [c.name, c.index, c.kernelHeight, c.inChannels, c.filters])).toEqual([
      ['conv1', 0, 3, 1, 4],
      ['conv2', 2, 3, expect.any(Number), expect.any(Number)],
    ]);
  });

  it('draws each filter scaled about zero: its largest weight white, its most negative black, zero grey', () => {
    const model = net(1);
    const kernel = new Float32Array(3 * 3 * 1 * 4); // [kh, kw, cin, cout]
    kernel[(0 * 3 + 0) * 4 + 0] = 2; // filter 0, top-left
    kernel[(2 * 3 + 2) * 4 + 0] = -1; // filter 0, bottom-right
    kernel[(1 * 3 + 1) * 4 + 1] = -0.5; // filter 1, centre: its own maximum magnitude
    model.layers[0].setWeights([tf.tensor4d(kernel, [3, 3, 1, 4]), tf.zeros([4])]);
    const g = filterGrid(model, { scale: 2, gap: 1, columns: 4 });
    expect([g.width, g.height, g.tiles, g.columns, g.rows]).toEqual([4 * 6 + 3, 6, 4, 4, 1]);
    expect(px(g, 0, 0)).toEqual([255, 255, 255, 255]);
    expect(px(g, 1, 1)).toEqual([255, 255, 255, 255]); // scaled block
    expect(px(g, 5, 5)[0]).toBe(64); // -1 of max 2 → 127.5 - 63.75
    expect(px(g, 2, 2)[0]).toBe(128); // zero
    expect(px(g, 6, 0)).toEqual([255, 255, 255, 255]); // the gap, in the background colour
    expect(px(g, 7 + 2, 2)).toEqual([0, 0, 0, 255]); // filter 1's -0.5 is its extreme
    expect(px(g, 14 + 2, 2)[0]).toBe(128); // an all-zero filter is grey, not NaN
  });

  it('draws three-channel filters in colour', () => {
    const model = net(3);
    const kernel = new Float32Array(3 * 3 * 3 * 4);
    kernel[(0 * 3 + 0) * 4 + 0] = 1; // red channel of filter 0 at (0,0)
    model.layers[0].setWeights([tf.tensor4d(kernel, [3, 3, 3, 4]), tf.zeros([4])]);
    const g = filterGrid(model, { scale: 1, gap: 0 });
    expect(px(g, 0, 0)).toEqual([255, 128, 128, 255]);
  });

  it('names the layers it knows when asked for another', () => {
    expect(() => filterGrid(net(1), { layer: 'fc' })).toThrow(/layer: expected the name of a convolution of "net" \(conv1, conv2\), got "fc"/);
    expect(() => filterGrid(net(1), { scale: 0 })).toThrow(/scale: expected an integer from 1 to 64/);
  });

  it('gives each convolution\'s output for one image, one min–max scaled tile per channel', () => {
    const model = net(1);
    const image = tf.randomNormal([8, 8, 1], 0, 1, 'float32', 7);
    const maps = featureMaps(model, image, { gap: 0 });
    expect(maps.map((m) => [m.layer, m.shape])).toEqual([
      ['conv1', [8, 8, 4]],
      ['conv2', [4, 4, 6]],
    ]);
    const direct = tf.model({ inputs: model.inputs, outputs: model.layers[0].output as tf.SymbolicTensor });
    const expected = activationGrid((direct.predict(image.expandDims(0)) as tf.Tensor).dataSync() as Float32Array, [8, 8, 4], { gap: 0 });
    expect(maps[0].grid.data).toEqual(expected.data);
    const channel0 = [];
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) channel0.push(px(maps[0].grid, x, y)[0]);
    expect(Math.min(...channel0)).toBe(0);
    expect(Math.max(...channel0)).toBe(255);
    expect(() => featureMaps(model, tf.zeros([2, 8, 8, 1]))).toThrow(/image: expected one input of shape \[8, 8, 1\]/);
    expect(() => featureMaps(model, image, { layers: ['pool1'] })).toThrow(/got "pool1"/);
  });

  it('does not leak tensors', () => {
    const model = net(1);
    const image = tf.zeros([8, 8, 1]);
    featureMaps(model, image);
    const before = tf.memory().numTensors;
    featureMaps(model, image);
    filterGrid(model);
    expect(tf.memory().numTensors).toBe(before);
  });
});
