import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { createModel, listModels, MODELS } from '../src';

// Every model builds bit for bit as it did when these were recorded: the same layers (names,
// classes, output shapes, parameters) and the same initial weights under the same seed, and the
// same metadata. A refactor of the builders must leave every line of this table as it is; a change
// to an architecture or a recipe changes it on purpose, in the same commit.
const PINNED: Record<string, { layers: string; weights: string; params: number }> = {
  lenet5: { layers: '1dc9956fa3d58d43', weights: '78803b20ae813c07', params: 61_706 },
  'lenet5-relu': { layers: '3d94dc7a2b2a714d', weights: '78803b20ae813c07', params: 61_706 },
  'lenet5-dropout': { layers: '74d0dfc284dc8502', weights: '78803b20ae813c07', params: 61_706 },
  alexnet: { layers: '28ef55eb5e9cfb56', weights: '044cee830863a3e6', params: 46_764_746 },
  'alexnet-classic': { layers: '8efef0d2ab4725bf', weights: '7cabc155d35c29e8', params: 60_965_224 },
  'alexnet-mini': { layers: '34e6b295d9b8f3de', weights: 'e3962387003f79e5', params: 282_202 },
};
const METADATA = '1f0b44793a7dddca';

const sha = (update: (h: ReturnType<typeof createHash>) => void): string => {
  const h = createHash('sha256');
  update(h);
  return h.digest('hex').slice(0, 16);
};

describe('the registry builds every model as recorded', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('pins every model', () => {
    expect(listModels().map((m) => m.name)).toEqual(Object.keys(PINNED));
  });

  it('keeps the metadata', () => {
    expect(sha((h) => h.update(JSON.stringify(MODELS)))).toBe(METADATA);
  });

  it.each(listModels())('$name: same layers and initial weights at its smallest input, seed 7', (info) => {
    const model = createModel(info.name, { inputSize: info.minInputSize, seed: 7 });
    const layers = model.layers.map((l) => `${l.name}:${l.getClassName()}:${JSON.stringify(l.outputShape)}:${l.countParams()}`).join('|');
    const weights = sha((h) => model.getWeights().forEach((w) => h.update(Buffer.from((w.dataSync() as Float32Array).buffer))));
    expect({ layers: sha((h) => h.update(layers)), weights, params: info.params }).toEqual(PINNED[info.name]);
    model.dispose();
  });
});
