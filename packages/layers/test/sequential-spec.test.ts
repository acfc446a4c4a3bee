import * as tf from '@tensorflow/tfjs';
import {
  buildSequential,
  checkInputSize,
  deriveSeed,
  minInputSize,
  resolveCommonConfig,
  specParamCount,
  specShapes,
  type LayerSpec,
} from '../src';

const specs: LayerSpec[] = [
  { kind: 'zeroPad', name: 'pad1', padding: 1 },
  { kind: 'conv', name: 'conv1', filters: 4, kernelSize: 5, strides: 2, padding: 'valid', activation: 'relu' },
  { kind: 'lrn', name: 'norm1' },
  { kind: 'pool', name: 'pool1', mode: 'max', poolSize: 3, strides: 2, padding: 'valid' },
  { kind: 'conv', name: 'conv2', filters: 6, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', groups: 2 },
  { kind: 'pool', name: 'pool2', mode: 'avg', poolSize: 2, strides: 2, padding: 'valid' },
  { kind: 'flatten', name: 'flatten' },
  { kind: 'dense', name: 'fc1', units: 7, activation: 'sigmoid' },
  { kind: 'dropout', name: 'dropout1', rate: 0.5 },
  { kind: 'dense', name: 'predictions', units: 3, activation: 'softmax' },
];

describe('layer specs', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('predicts the built model shapes and parameter counts', () => {
    const model = buildSequential(specs, { name: 'spec', inputShape: [21, 21, 2] });
    const predicted = specShapes(specs, [21, 21, 2]);
    expect(model.layers.map((l) => l.name)).toEqual(specs.map((s) => s.name));
    model.layers.forEach((layer, i) => {
      expect(layer.outputShape).toEqual([null, ...predicted[i].shape]);
      expect(layer.countParams()).toBe(predicted[i].params);
    });
    expect(model.countParams()).toBe(specParamCount(specs, [21, 21, 2]));
    model.dispose();
  });

  it('finds the smallest input that every layer can process', () => {
    const min = minInputSize(specs, 2);
    const fits = (s: number): boolean => specShapes(specs, [s, s, 2]).every((l) => l.shape.every((d) => d >= 1));
    expect(fits(min)).toBe(true);
    expect(fits(min - 1)).toBe(false);
    expect(() => checkInputSize('net', specs, min - 1, 2)).toThrow(new RegExp(`net: inputSize must be an integer >= ${min} .*at layer '\\w+'.*; received ${min - 1}`));
    expect(() => checkInputSize('net', specs, min, 2)).not.toThrow();
  });

  it('gives the same weights for the same seed and different ones otherwise', () => {
    const weights = (seed?: number): Float32Array[] => {
      const model = buildSequential(specs, { name: 'spec', inputShape: [21, 21, 2], seed });
      const values = model.getWeights().map((w) => w.dataSync() as Float32Array);
      model.dispose();
      return values;
    };
    const a = weights(42);
    expect(weights(42)).toEqual(a);
    expect(weights(43)[0]).not.toEqual(a[0]);
    expect(weights()[0]).not.toEqual(weights()[0]);
    // Distinct layers draw from distinct streams.
    expect(deriveSeed(42, 'conv1')).not.toBe(deriveSeed(42, 'conv2'));
    expect(deriveSeed(undefined, 'conv1')).toBeUndefined();
  });

  it('uses the requested initialiser', () => {
    const model = buildSequential(specs, { name: 'spec', inputShape: [21, 21, 2], kernelInitializer: 'randomNormal', seed: 1 });
    const kernel = model.getLayer('fc1').getWeights()[0];
    const std = tf.moments(kernel).variance.sqrt().dataSync()[0];
    expect(std).toBeGreaterThan(0.005);
    expect(std).toBeLessThan(0.02);
    model.dispose();
  });
});

describe('resolveCommonConfig', () => {
  const defaults = { inputSize: 28, inChannels: 1, numClasses: 10, dropout: 0.5 };

  it('fills defaults', () => {
    expect(resolveCommonConfig('net', {}, defaults)).toEqual({
      ...defaults,
      kernelInitializer: 'glorotUniform',
      seed: undefined,
      classifierActivation: 'softmax',
    });
  });

  it.each([
    [{ inChannels: 0 }, /net: inChannels must be an integer >= 1; received 0/],
    [{ numClasses: 2.5 }, /numClasses must be an integer >= 1; received 2.5/],
    [{ dropout: 1 }, /dropout must be a number in \[0, 1\); received 1/],
    [{ kernelInitializer: 'xavier' }, /kernelInitializer must be one of 'glorotUniform', .*; received 'xavier'/],
    [{ classifierActivation: 'relu' }, /classifierActivation must be one of 'softmax', 'linear'; received 'relu'/],
    [{ seed: 1.5 }, /seed must be an integer; received 1.5/],
  ])('rejects %o', (config, message) => {
    expect(() => resolveCommonConfig('net', config as never, defaults)).toThrow(message);
  });
});
