import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@zoo/backend';
import { loadModel, saveModel } from '@zoo/layers/node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, getModelInfo, isModelName, listModels, MODEL_NAMES, MODELS, type ModelInfo } from '../src';

const sameBytes = (a: tf.Tensor, b: tf.Tensor): boolean => Buffer.from((a.dataSync() as Float32Array).buffer).equals(Buffer.from((b.dataSync() as Float32Array).buffer));

/** A fixed batch at the variant's smallest valid input, so the big AlexNets stay cheap. */
function fixedBatch(info: ModelInfo, size: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomUniform([size, info.minInputSize, info.minInputSize, info.inChannels], 0, 1, 'float32', 11) as tf.Tensor4D;
    const labels = Array.from({ length: size }, (_, i) => (3 * i + 1) % info.numClasses);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), info.numClasses) as tf.Tensor2D;
    return { x, y };
  });
}

function crossEntropy(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  // training: false keeps dropout out of it, so the comparison below is deterministic.
  return tf.tidy(() => tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: false }) as tf.Tensor).mean() as tf.Scalar);
}

describe('registry', () => {
  it('spans both families', () => {
    expect(MODEL_NAMES).toEqual(['lenet5', 'lenet5-relu', 'lenet5-dropout', 'alexnet', 'alexnet-classic', 'alexnet-mini']);
    expect(listModels().map((m) => m.name)).toEqual(MODEL_NAMES);
    expect(new Set(listModels().map((m) => m.family))).toEqual(new Set(['lenet', 'alexnet']));
    expect(MODELS.alexnet.params).toBe(46_764_746);
    expect(MODELS.lenet5.params).toBe(61_706);
    expect(isModelName('alexnet-mini')).toBe(true);
    expect(isModelName('vgg11')).toBe(false);
  });

  it('lists the valid names when given an unknown one', () => {
    const message = `unknown model 'vgg11'; valid names: ${MODEL_NAMES.join(', ')}`;
    expect(() => createModel('vgg11')).toThrow(message);
    expect(() => getModelInfo('vgg11')).toThrow(message);
  });

  it('refuses a variant in the config, since the name picks it', () => {
    expect(() => createModel('alexnet', { variant: 'alexnet-mini' } as never)).toThrow(/must not contain 'variant'.*received variant 'alexnet-mini'/);
  });
});

describe.each(listModels())('$name', (info) => {
  let dir: string;
  beforeAll(async () => {
    // wasm, with the training kernels @zoo/backend supplies: the cpu backend's filter gradient is a
    // scalar loop that takes tens of seconds for one AlexNet example.
    await initBackend({ backend: 'wasm', threads: 1 });
    dir = await mkdtemp(join(tmpdir(), `zoo-${info.name}-`));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('has complete metadata', () => {
    expect(getModelInfo(info.name)).toBe(info);
    expect(info.description.length).toBeGreaterThan(20);
    expect(info.citation).toMatch(/\d{4}/);
    expect(info.minInputSize).toBeLessThanOrEqual(info.inputSize);
    expect(info.training.learningRate).toBeGreaterThan(0);
    expect(info.training.batchSize).toBeGreaterThan(0);
  });

  it('builds at its defaults with the parameters and output its metadata states', () => {
    const model = createModel(info.name);
    expect(model.inputs[0].shape).toEqual([null, info.inputSize, info.inputSize, info.inChannels]);
    expect(model.outputs[0].shape).toEqual([null, info.numClasses]);
    expect(model.countParams()).toBe(info.params);
    model.dispose();
  });

  it('predicts a probability per class at its smallest input, leaking no tensors', () => {
    const start = tf.memory().numTensors;
    const model = createModel(info.name, { inputSize: info.minInputSize, seed: 1 });
    const { x, y } = fixedBatch(info, 2);
    const p = model.predict(x) as tf.Tensor;
    expect(p.shape).toEqual([2, info.numClasses]);
    const sums = p.sum(1);
    Array.from(sums.dataSync()).forEach((s) => expect(s).toBeCloseTo(1, 5));
    tf.dispose([x, y, p, sums]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('lowers the loss on a fixed batch with one SGD step, leaking no tensors', () => {
    const start = tf.memory().numTensors;
    const model = createModel(info.name, { inputSize: info.minInputSize, seed: 2 });
    const { x, y } = fixedBatch(info, 1);
    const optimizer = tf.train.sgd(0.01);
    const before = crossEntropy(model, x, y);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    optimizer.minimize(() => crossEntropy(model, x, y), false, variables);
    const after = crossEntropy(model, x, y);
    expect(after.dataSync()[0]).toBeLessThan(before.dataSync()[0]);
    tf.dispose([x, y, before, after]);
    optimizer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('gives the same weights for the same seed', () => {
    const a = createModel(info.name, { inputSize: info.minInputSize, seed: 3 });
    const b = createModel(info.name, { inputSize: info.minInputSize, seed: 3 });
    const c = createModel(info.name, { inputSize: info.minInputSize, seed: 4 });
    const [wa, wb, wc] = [a, b, c].map((m) => m.getWeights());
    expect(wa.length).toBe(wb.length);
    wa.forEach((w, i) => expect(sameBytes(w, wb[i])).toBe(true));
    expect(sameBytes(wa[0], wc[0])).toBe(false);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('round-trips through the TF.js format on disk with identical predictions', async () => {
    const model = createModel(info.name, { inputSize: info.minInputSize, seed: 5 });
    await saveModel(model, join(dir, 'model'));
    const loaded = await loadModel(join(dir, 'model'));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    const { x, y } = fixedBatch(info, 2);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(sameBytes(a, b)).toBe(true);
    tf.dispose([x, y, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
