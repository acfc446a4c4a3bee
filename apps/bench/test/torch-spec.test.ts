import { samePadding, torchSpec, UnsupportedLayerError, type LayerLike } from '../src/torch-spec';

function layer(cls: string, config: Record<string, unknown>, outputShape: (number | null)[], name = cls.toLowerCase()): LayerLike {
  return { name, getClassName: () => cls, getConfig: () => config as never, outputShape };
}

describe('samePadding', () => {
  it('follows TF: the odd cell goes after', () => {
    expect(samePadding(28, 5, 1)).toEqual([2, 2]);
    expect(samePadding(224, 11, 4)).toEqual([3, 4]);
    expect(samePadding(26, 3, 1)).toEqual([1, 1]);
    expect(samePadding(8, 2, 2)).toEqual([0, 0]);
  });
});

describe('torchSpec', () => {
  it('translates D2L AlexNet-style layers with explicit padding and input sizes', () => {
    const spec = torchSpec('net', [null, 224, 224, 1], [
      layer('ZeroPadding2D', { padding: [[1, 1], [1, 1]] }, [null, 226, 226, 1]),
      layer('Conv2D', { filters: 96, kernelSize: [11, 11], strides: [4, 4], padding: 'valid', activation: 'relu' }, [null, 54, 54, 96]),
      layer('MaxPooling2D', { poolSize: [3, 3], strides: [2, 2], padding: 'valid' }, [null, 26, 26, 96]),
      layer('Conv2D', { filters: 256, kernelSize: [5, 5], strides: [1, 1], padding: 'same', activation: 'relu' }, [null, 26, 26, 256]),
      layer('LocalResponseNormalization', { depthRadius: 2, bias: 2, alpha: 1e-4, beta: 0.75 }, [null, 26, 26, 256]),
      layer('Flatten', {}, [null, 173056]),
      layer('Dense', { units: 4096, activation: 'relu' }, [null, 4096]),
      layer('Dropout', { rate: 0.5 }, [null, 4096]),
      layer('Dense', { units: 10, activation: 'softmax' }, [null, 10]),
    ]);
    expect(spec).toMatchObject({ name: 'net', inputSize: 224, inChannels: 1, numClasses: 10 });
    expect(spec.layers.map((l) => l.kind)).toEqual(['pad', 'conv', 'act', 'pool', 'conv', 'act', 'lrn', 'flatten', 'dense', 'act', 'dropout', 'dense']);
    expect(spec.layers[1]).toMatchObject({ inChannels: 1, outChannels: 96, kernel: 11, stride: 4, pad: [0, 0, 0, 0], groups: 1 });
    expect(spec.layers[4]).toMatchObject({ inChannels: 96, outChannels: 256, pad: [2, 2, 2, 2] });
    expect(spec.layers[8]).toMatchObject({ inFeatures: 173056, outFeatures: 4096 });
    expect(spec.layers[11]).toMatchObject({ inFeatures: 4096, outFeatures: 10 });
  });

  it('carries groups and rejects what the peer cannot build', () => {
    const grouped = torchSpec('g', [null, 8, 8, 4], [
      layer('GroupedConv2D', { filters: 8, kernelSize: 3, strides: 1, padding: 'same', groups: 2, activation: 'linear' }, [null, 8, 8, 8]),
    ]);
    expect(grouped.layers).toEqual([{ kind: 'conv', name: 'groupedconv2d', inChannels: 4, outChannels: 8, kernel: 3, stride: 1, pad: [1, 1, 1, 1], groups: 2 }]);
    expect(() => torchSpec('b', [null, 8, 8, 1], [layer('BatchNormalization', {}, [null, 8, 8, 1])])).toThrow(UnsupportedLayerError);
    expect(() => torchSpec('e', [null, 8, 8, 1], [layer('Dense', { units: 2, activation: 'elu' }, [null, 2])])).toThrow(/elu/);
  });
});
