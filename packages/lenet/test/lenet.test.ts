import * as tf from '@tensorflow/tfjs';
import { describeModel } from '@zoo/layers';
import { lenet, LENET_MODELS, LENET_VARIANTS } from '../src';

const classes = (model: tf.LayersModel): string[] => model.layers.map((l) => l.getClassName());

describe('lenet', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("is D2L's LeNet-5 with no argument: 61,706 parameters", () => {
    const model = lenet();
    expect(model.name).toBe('lenet5');
    expect(model.inputs[0].shape).toEqual([null, 28, 28, 1]);
    expect(model.layers.map((l) => [l.name, (l.outputShape as tf.Shape).slice(1)])).toEqual([
      ['conv1', [28, 28, 6]],
      ['pool1', [14, 14, 6]],
      ['conv2', [10, 10, 16]],
      ['pool2', [5, 5, 16]],
      ['flatten', [400]],
      ['fc1', [120]],
      ['fc2', [84]],
      ['predictions', [10]],
    ]);
    expect(model.countParams()).toBe(61_706);
    expect(LENET_MODELS.lenet5.params).toBe(61_706);
    expect(classes(model)).toContain('AveragePooling2D');
    expect(model.getLayer('conv1').getConfig().activation).toBe('sigmoid');
    expect(model.getLayer('fc2').getConfig().activation).toBe('sigmoid');
    model.dispose();
  });

  it('swaps in ReLU and max-pooling for lenet5-relu, and adds dropout for lenet5-dropout', () => {
    const relu = lenet({ variant: 'lenet5-relu' });
    expect(classes(relu)).toContain('MaxPooling2D');
    expect(classes(relu)).not.toContain('AveragePooling2D');
    expect(classes(relu)).not.toContain('Dropout');
    expect(relu.getLayer('conv2').getConfig().activation).toBe('relu');
    expect(relu.countParams()).toBe(61_706);

    const dropout = lenet({ variant: 'lenet5-dropout' });
    expect(dropout.layers.map((l) => l.name)).toEqual(['conv1', 'pool1', 'conv2', 'pool2', 'flatten', 'fc1', 'dropout1', 'fc2', 'dropout2', 'predictions']);
    expect(dropout.getLayer('dropout1').getConfig().rate).toBe(0.5);
    expect(lenet({ variant: 'lenet5-dropout', dropout: 0.2 }).getLayer('dropout2').getConfig().rate).toBe(0.2);
    relu.dispose();
    dropout.dispose();
  });

  it('takes widths, channels, classes, a larger input and logits', () => {
    const model = lenet({ inputSize: 32, inChannels: 3, numClasses: 4, filters: [8, 12], units: [20, 10], classifierActivation: 'linear' });
    expect(model.inputs[0].shape).toEqual([null, 32, 32, 3]);
    expect(model.getLayer('conv2').outputShape).toEqual([null, 12, 12, 12]);
    expect(model.outputs[0].shape).toEqual([null, 4]);
    expect(model.getLayer('predictions').getConfig().activation).toBe('linear');
    const d = describeModel(model);
    expect(d.totals.params).toBe(model.countParams());
    model.dispose();
  });

  it.each([
    [{ inputSize: 11 }, /lenet\('lenet5'\): inputSize must be an integer >= 12 .*; received 11/],
    [{ variant: 'lenet6' }, /variant must be one of 'lenet5', 'lenet5-relu', 'lenet5-dropout'; received 'lenet6'/],
    [{ filters: [6] }, /filters must be an array of 2 integers >= 1; received \[6\]/],
    [{ numClasses: 0 }, /numClasses must be an integer >= 1; received 0/],
    [{ kernelInitializer: 'xavier' }, /kernelInitializer must be one of .*; received 'xavier'/],
    [{ groups: 2 }, /unknown config key 'groups'/],
  ])('rejects %o', (config, message) => {
    expect(() => lenet(config as never)).toThrow(message);
  });

  it('lists every variant in its metadata', () => {
    expect(Object.keys(LENET_MODELS)).toEqual([...LENET_VARIANTS]);
    for (const v of LENET_VARIANTS) expect(LENET_MODELS[v]).toMatchObject({ name: v, family: 'lenet', inputSize: 28, minInputSize: 12 });
  });
});
