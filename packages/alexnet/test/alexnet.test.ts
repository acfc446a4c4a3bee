import * as tf from '@tensorflow/tfjs';
import { describeModel, GroupedConv2D, LocalResponseNormalization, roofline } from '@zoo/layers';
import { alexnet, ALEXNET_MODELS, ALEXNET_VARIANTS } from '../src';

const shapes = (model: tf.LayersModel): Record<string, tf.Shape> =>
  Object.fromEntries(model.layers.map((l) => [l.name, (l.outputShape as tf.Shape).slice(1)]));

describe('alexnet (D2L)', () => {
  let model: tf.LayersModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = alexnet();
  });
  afterAll(() => model.dispose());

  it("is D2L's layer table for a 1x224x224 input and 10 classes", () => {
    expect(model.name).toBe('alexnet');
    expect(model.inputs[0].shape).toEqual([null, 224, 224, 1]);
    // DESIGN.md's NCHW table, here channels-last.
    expect(shapes(model)).toMatchObject({
      conv1: [54, 54, 96],
      pool1: [26, 26, 96],
      conv2: [26, 26, 256],
      pool2: [12, 12, 256],
      conv3: [12, 12, 384],
      conv4: [12, 12, 384],
      conv5: [12, 12, 256],
      pool3: [5, 5, 256],
      flatten: [6400],
      fc1: [4096],
      fc2: [4096],
      predictions: [10],
    });
    expect(model.countParams()).toBe(46_764_746);
    expect(ALEXNET_MODELS.alexnet.params).toBe(46_764_746);
    expect(model.layers.filter((l) => l.getClassName() === 'Dropout').map((l) => l.getConfig().rate)).toEqual([0.5, 0.5]);
  });

  it('has its memory in the dense layers and its compute in the convolutions', () => {
    const d = describeModel(model);
    const dense = d.layers.filter((l) => l.className === 'Dense');
    const convs = d.layers.filter((l) => l.className === 'Conv2D');
    const sum = (ls: typeof d.layers, key: 'macs' | 'weightBytes'): number => ls.reduce((s, l) => s + l[key], 0);

    expect(d.totals.macs / 1e9).toBeCloseTo(0.94, 2);
    const fcBytes = sum(dense.filter((l) => l.name !== 'predictions'), 'weightBytes');
    expect(fcBytes / 2 ** 20).toBeCloseTo(164, 0);
    expect(sum(dense, 'weightBytes') / d.totals.weightBytes).toBeGreaterThan(0.9);
    expect(sum(convs, 'macs') / d.totals.macs).toBeGreaterThan(0.9);

    // A CPU-like machine: 1 TFLOP/s and 100 GB/s, ridge at 10 FLOP/byte.
    const r = roofline(d, { peakFlops: 1e12, memoryBandwidth: 1e11 });
    for (const l of r.layers) {
      if (l.className === 'Dense') expect(l).toMatchObject({ bound: 'memory' });
      if (l.className === 'Conv2D') expect(l).toMatchObject({ bound: 'compute' });
    }
    // Batching reuses each dense weight across examples and moves the big layers over the ridge.
    const batched = roofline(describeModel(model, [128, 224, 224, 1]), { peakFlops: 1e12, memoryBandwidth: 1e11 });
    expect(batched.layers.find((l) => l.name === 'fc1')?.bound).toBe('compute');
  });
});

describe('alexnet-classic', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("reproduces the 2012 paper's shapes, LRN and two-group split", () => {
    const model = alexnet({ variant: 'alexnet-classic' });
    expect(model.inputs[0].shape).toEqual([null, 227, 227, 3]);
    expect(shapes(model)).toMatchObject({ conv1: [55, 55, 96], pool1: [27, 27, 96], conv2: [27, 27, 256], pool2: [13, 13, 256], conv5: [13, 13, 256], pool3: [6, 6, 256], flatten: [9216], predictions: [1000] });
    expect(model.countParams()).toBe(60_965_224);
    const norms = model.layers.filter((l) => l instanceof LocalResponseNormalization);
    expect(norms.map((l) => l.name)).toEqual(['norm1', 'norm2']);
    expect(norms[0].getConfig()).toMatchObject({ depthRadius: 2, bias: 2, alpha: 1e-4, beta: 0.75 });
    expect(model.layers.filter((l) => l instanceof GroupedConv2D).map((l) => l.name)).toEqual(['conv2', 'conv4', 'conv5']);
    model.dispose();
  });

  it('becomes the single-tower network with groups 1 and drops LRN with lrn false', () => {
    const model = alexnet({ variant: 'alexnet-classic', groups: 1, lrn: false });
    expect(model.countParams()).toBe(62_378_344);
    expect(model.layers.some((l) => l instanceof LocalResponseNormalization || l instanceof GroupedConv2D)).toBe(false);
    model.dispose();
  });
});

describe('alexnet-mini', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('works directly on 28x28 images at a small fraction of the compute', () => {
    const mini = alexnet({ variant: 'alexnet-mini' });
    const big = alexnet();
    expect(mini.inputs[0].shape).toEqual([null, 28, 28, 1]);
    expect(mini.layers.map((l) => l.name)).toEqual(
      expect.arrayContaining(['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'pool1', 'pool2', 'pool3', 'fc1', 'fc2', 'predictions']),
    );
    expect(describeModel(big).totals.macs / describeModel(mini).totals.macs).toBeGreaterThan(50);
    const x = tf.randomUniform([2, 28, 28, 1]);
    const y = mini.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 10]);
    tf.dispose([x, y]);
    mini.dispose();
    big.dispose();
  });
});

describe('alexnet config', () => {
  it.each([
    [{ inputSize: 64 }, /alexnet\('alexnet'\): inputSize must be an integer >= 65 .*; received 64/],
    [{ variant: 'alexnet-classic', inputSize: 66 }, /inputSize must be an integer >= 67 .*; received 66/],
    [{ variant: 'alexnet-mini', inputSize: 11 }, /inputSize must be an integer >= 12 .*; received 11/],
    [{ variant: 'alexnet2' }, /variant must be one of 'alexnet', 'alexnet-classic', 'alexnet-mini'; received 'alexnet2'/],
    [{ filters: [96, 256, 384, 384] }, /filters must be an array of 5 integers >= 1; received \[96, 256, 384, 384\]/],
    [{ units: [4096, 0] }, /units must be an array of 2 integers >= 1; received \[4096, 0\]/],
    [{ groups: 3 }, /groups must be one of 1, 2; received 3/],
    [{ groups: 2, filters: [95, 256, 384, 384, 256] }, /divisible by 2; received filters \[95, 256, 384, 384, 256\]/],
    [{ lrn: 'yes' }, /lrn must be true or false; received "yes"/],
    [{ dropout: -0.1 }, /dropout must be a number in \[0, 1\); received -0.1/],
    [{ inputsize: 224 }, /unknown config key 'inputsize'; valid keys: inputSize, /],
  ])('rejects %o before allocating weights', (config, message) => {
    expect(() => alexnet(config as never)).toThrow(message);
  });

  it('takes widths, channels, classes and no dropout', () => {
    const model = alexnet({ variant: 'alexnet-mini', inChannels: 3, numClasses: 5, filters: [8, 8, 8, 8, 8], units: [16, 16], dropout: 0, inputSize: 32 });
    expect(model.inputs[0].shape).toEqual([null, 32, 32, 3]);
    expect(model.outputs[0].shape).toEqual([null, 5]);
    expect(model.getLayer('fc2').outputShape).toEqual([null, 16]);
    expect(model.layers.some((l) => l.getClassName() === 'Dropout')).toBe(false);
    model.dispose();
  });

  it('lists every variant in its metadata', () => {
    expect(Object.keys(ALEXNET_MODELS)).toEqual([...ALEXNET_VARIANTS]);
  });
});
