import * as tf from '@tensorflow/tfjs';
import { describeModel, formatDescription } from '@zoo/analysis';
import { groupedConv2d, localResponseNormalization } from '../src';

function smallNet(): tf.Sequential {
  return tf.sequential({
    name: 'small',
    layers: [
      tf.layers.conv2d({ inputShape: [10, 10, 3], name: 'conv1', filters: 8, kernelSize: 3, activation: 'relu' }),
      localResponseNormalization({ name: 'norm1' }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc1', units: 5 }),
    ],
  });
}

describe('describeModel', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('counts shapes, parameters, MACs, FLOPs and bytes per layer from their definitions', () => {
    const model = smallNet();
    const d = describeModel(model);
    expect(d.layers.map((l) => l.name)).toEqual(['conv1', 'norm1', 'pool1', 'flatten', 'fc1']);
    const [conv1, norm1, pool1, flatten, fc1] = d.layers;

    expect(conv1.inputShape).toEqual([1, 10, 10, 3]);
    expect(conv1.outputShape).toEqual([1, 8, 8, 8]);
    expect(conv1.params).toBe(3 * 3 * 3 * 8 + 8);
    expect(conv1.macs).toBe(8 * 8 * 8 * (3 * 3 * 3));
    expect(conv1.flops).toBe(2 * conv1.macs);
    expect(conv1.weightBytes).toBe(4 * conv1.params);
    expect(conv1.activationBytes).toBe(4 * 8 * 8 * 8);
    expect(conv1.inputBytes).toBe(4 * 10 * 10 * 3);

    expect(norm1.params).toBe(0);
    expect(norm1.macs).toBe(0);
    expect(norm1.flops).toBeGreaterThan(0);
    expect(pool1.outputShape).toEqual([1, 4, 4, 8]);
    expect(pool1.flops).toBe(4 * 4 * 8 * 4);
    expect(flatten.flops).toBe(0);
    expect(fc1.macs).toBe(128 * 5);
    expect(fc1.params).toBe(128 * 5 + 5);

    expect(d.totals.params).toBe(model.countParams());
    expect(d.totals.macs).toBe(conv1.macs + fc1.macs);
    expect(d.totals.flops).toBe(d.layers.reduce((s, l) => s + l.flops, 0));
    expect(d.totals.weightBytes).toBe(4 * model.countParams());
    model.dispose();
  });

  it('scales MACs and activations, not weights, with the batch', () => {
    const model = smallNet();
    const one = describeModel(model, [1, 10, 10, 3]);
    const eight = describeModel(model, [8, 10, 10, 3]);
    expect(eight.inputShape).toEqual([8, 10, 10, 3]);
    expect(eight.totals.macs).toBe(8 * one.totals.macs);
    expect(eight.totals.activationBytes).toBe(8 * one.totals.activationBytes);
    expect(eight.totals.weightBytes).toBe(one.totals.weightBytes);
    model.dispose();
  });

  it('counts grouped and depthwise convolutions by their kernels', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.depthwiseConv2d({ inputShape: [6, 6, 4], name: 'dw', kernelSize: 3, depthMultiplier: 2 }),
        groupedConv2d({ name: 'grouped', filters: 6, kernelSize: 3, padding: 'same', groups: 2 }),
      ],
    });
    const [dw, grouped] = describeModel(model).layers;
    expect(dw.outputShape).toEqual([1, 4, 4, 8]);
    expect(dw.macs).toBe(4 * 4 * 8 * 3 * 3);
    // Each output channel sees 8 / 2 input channels.
    expect(grouped.macs).toBe(4 * 4 * 6 * (3 * 3 * 4));
    expect(grouped.params).toBe(3 * 3 * 4 * 6 + 6);
    model.dispose();
  });

  it('rejects an input shape that is not the model input, echoing it', () => {
    const model = smallNet();
    expect(() => describeModel(model, [1, 12, 12, 3])).toThrow(/inputShape must be \[batch, 10, 10, 3\] .*received \[1, 12, 12, 3\]/);
    expect(() => describeModel(model, [0, 10, 10, 3])).toThrow(/received \[0, 10, 10, 3\]/);
    model.dispose();
  });

  it('formats a table with a row per layer and a total', () => {
    const model = smallNet();
    const table = formatDescription(describeModel(model)).split('\n');
    expect(table).toHaveLength(1 + 5 + 1);
    expect(table[1]).toMatch(/^conv1 +Conv2D +1x8x8x8 +224 /);
    expect(table[6]).toMatch(/^total/);
    model.dispose();
  });
});
