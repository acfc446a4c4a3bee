import * as tf from '@tensorflow/tfjs';
import { checkIntegerList, defineFamily, type CommonModelConfig, type VariantRow } from '../src';

interface TinyRow extends VariantRow {
  units: number;
}
interface TinyConfig extends CommonModelConfig {
  variant?: 'tiny' | 'wide';
  units?: [number];
}

const TINY: TinyRow = { description: 'a tiny net', citation: 'nobody, 2026', inputSize: 6, inChannels: 1, numClasses: 3, dropout: 0, units: 4, training: { optimizer: 'sgd', learningRate: 0.1, batchSize: 8, epochs: 1, source: 'test' } };
const family = defineFamily({
  family: 'tiny',
  variants: ['tiny', 'wide'] as const,
  rows: { tiny: TINY, wide: { ...TINY, description: 'a wider tiny net', units: 8, dropout: 0.5 } },
  configKeys: ['units'],
  resolve: (where, config: TinyConfig, row) => ({ units: checkIntegerList(where, 'units', config.units ?? [row.units], 1)[0] }),
  layers: (_row, own, common) => [
    { kind: 'conv', name: 'conv1', filters: 2, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' },
    { kind: 'flatten', name: 'flatten' },
    { kind: 'dense', name: 'fc1', units: own.units, activation: 'relu' },
    ...(common.dropout > 0 ? [{ kind: 'dropout', name: 'dropout1', rate: common.dropout } as const] : []),
    { kind: 'dense', name: 'predictions', units: common.numClasses, activation: common.classifierActivation },
  ],
});

describe('defineFamily', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("computes each variant's metadata from its row and layers, without building", () => {
    // conv 3x3 on 6x6x1: 2*(9+1) = 20; fc1 on 4*4*2 = 32 inputs; predictions 3 classes.
    expect(family.models.tiny).toEqual({
      name: 'tiny', family: 'tiny', description: 'a tiny net', citation: 'nobody, 2026', inputSize: 6, minInputSize: 3, inChannels: 1, numClasses: 3,
      params: 20 + (32 * 4 + 4) + (4 * 3 + 3), outputActivation: 'softmax', training: TINY.training,
    });
    expect(family.models.wide.params).toBe(20 + (32 * 8 + 8) + (8 * 3 + 3));
    expect(Object.isFrozen(family.models.wide)).toBe(true);
  });

  it('builds the first variant by default and a row as its defaults say, with the config on top', () => {
    const model = family.build();
    expect(model.name).toBe('tiny');
    expect(model.countParams()).toBe(family.models.tiny.params);
    const wide = family.build({ variant: 'wide', units: [5], numClasses: 2 });
    expect(wide.layers.map((l) => l.name)).toEqual(['conv1', 'flatten', 'fc1', 'dropout1', 'predictions']);
    expect(wide.outputs[0].shape).toEqual([null, 2]);
    [model, wide].forEach((m) => m.dispose());
  });

  it('names the family, the variant and the field in its errors', () => {
    expect(() => family.build({ colour: 'red' } as never)).toThrow(/^tiny: unknown config key 'colour'; valid keys: inputSize, .*, variant, units$/);
    expect(() => family.build({ variant: 'huge' } as never)).toThrow("tiny: variant must be one of 'tiny', 'wide'; received 'huge'");
    expect(() => family.build({ variant: 'wide', units: [0] })).toThrow(/^tiny\('wide'\): units must be an array of 1 integers >= 1; received \[0\]/);
    expect(() => family.build({ inputSize: 2 })).toThrow(/^tiny\('tiny'\): inputSize must be an integer >= 3/);
  });
});
