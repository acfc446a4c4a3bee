import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { predictions, useTempDir } from '@zoo/test-kit';
import { fileIOHandler, loadModel, MODEL_JSON, saveModel } from '../src/node';

function net(seed: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [5, 5, 1], filters: 3, kernelSize: 3, name: 'conv1', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 4, activation: 'softmax', name: 'predictions', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

describe('file IO', () => {
  const root = useTempDir('zoo-io-');
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("writes TF.js's format and loads it back with identical predictions", async () => {
    const dir = join(root(), 'plain');
    const model = net(1);
    const result = await saveModel(model, dir);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(4 * model.countParams());

    const json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.class_name).toBe('Sequential');
    const [group] = json.weightsManifest;
    expect(group.weights.map((w: { name: string }) => w.name)).toEqual(['conv1/kernel', 'conv1/bias', 'predictions/kernel', 'predictions/bias']);
    expect((await readFile(join(dir, group.paths[0]))).byteLength).toBe(4 * model.countParams());

    const loaded = await loadModel(dir);
    const x = tf.randomNormal([3, 5, 5, 1], 0, 1, 'float32', 5);
    const [original, again] = predictions([model, loaded], x);
    expect(again).toEqual(original);
    tf.dispose([x]);
    model.dispose();
    loaded.dispose();
  });

  it('replaces a previous save completely, leaving no temporary or stale files', async () => {
    const dir = join(root(), 'overwrite');
    const first = net(1);
    const second = net(2);
    await saveModel(first, dir);
    await saveModel(second, dir);
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    expect(files).toContain(MODEL_JSON);
    const loaded = await loadModel(dir);
    expect(loaded.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(second.getWeights().map((w) => Array.from(w.dataSync())));
    [first, second, loaded].forEach((m) => m.dispose());
  });

  it('keeps the optimizer state when asked, for resuming training', async () => {
    const dir = join(root(), 'optimizer');
    const model = net(3);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const x = tf.randomNormal([4, 5, 5, 1], 0, 1, 'float32', 6);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4);
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    await saveModel(model, dir, { includeOptimizer: true });
    const loaded = await loadModel(dir);
    const original = await model.optimizer.getWeights();
    const restored = await loaded.optimizer.getWeights();
    expect(restored.map((w) => w.name)).toEqual(original.map((w) => w.name));
    expect(restored.map((w) => Array.from(w.tensor.dataSync()))).toEqual(original.map((w) => Array.from(w.tensor.dataSync())));
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
  });

  it('loads a directory whose weights are split over several shards', async () => {
    const dir = join(root(), 'shards');
    const model = net(4);
    await saveModel(model, dir);
    const json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8'));
    const bytes = await readFile(join(dir, json.weightsManifest[0].paths[0]));
    const cut = 40;
    await writeFile(join(dir, 'group1-shard1of2.bin'), bytes.subarray(0, cut));
    await writeFile(join(dir, 'group1-shard2of2.bin'), bytes.subarray(cut));
    json.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    await writeFile(join(dir, MODEL_JSON), JSON.stringify(json));
    const loaded = await tf.loadLayersModel(fileIOHandler(dir));
    expect(loaded.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(model.getWeights().map((w) => Array.from(w.dataSync())));
    model.dispose();
    loaded.dispose();
  });

  it('says which file is missing', async () => {
    await expect(loadModel(join(root(), 'nothing-here'))).rejects.toThrow(/cannot read .*nothing-here\/model\.json \(ENOENT\)/);
  });
});

describe('loadModel on a damaged or hostile model folder', () => {
  const root = useTempDir('zoo-io-bad-');
  let dir: string;
  let weightsFile: string;
  let pristine: Buffer;
  let json: { weightsManifest: { paths: string[] }[]; weightsIntegrity?: Record<string, { bytes: number; sha256: string }> };
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(root(), 'm-'));
    const model = net(7);
    await saveModel(model, dir);
    model.dispose();
    json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8'));
    weightsFile = join(dir, json.weightsManifest[0].paths[0]);
    pristine = await readFile(weightsFile);
  });

  it('records the size and SHA-256 of the weights in model.json', () => {
    const [name] = json.weightsManifest[0].paths;
    expect(json.weightsIntegrity?.[name]).toEqual({ bytes: pristine.byteLength, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('refuses a short weights file, naming it', async () => {
    await writeFile(weightsFile, pristine.subarray(0, pristine.byteLength - 8));
    await expect(loadModel(dir)).rejects.toThrow(new RegExp(`weights file ${weightsFile} has ${pristine.byteLength - 8} bytes .*corrupt`));
  });

  it('refuses a long weights file', async () => {
    await writeFile(weightsFile, Buffer.concat([pristine, Buffer.alloc(16)]));
    await expect(loadModel(dir)).rejects.toThrow(/has \d+ bytes and SHA-256 .*corrupt/);
  });

  it('refuses a weights file of the right size with other bytes (NaNs)', async () => {
    const bad = Buffer.from(pristine);
    bad.writeFloatLE(NaN, 0);
    await writeFile(weightsFile, bad);
    await expect(loadModel(dir)).rejects.toThrow(new RegExp(`${weightsFile} .*SHA-256 .*the file is corrupt`));
  });

  it('refuses a wrong size even without a recorded checksum (a model saved elsewhere)', async () => {
    delete json.weightsIntegrity;
    await writeFile(join(dir, MODEL_JSON), JSON.stringify(json));
    await writeFile(weightsFile, pristine.subarray(0, 12));
    await expect(loadModel(dir)).rejects.toThrow(new RegExp(`${weightsFile} holds 12 bytes, but the 4 weights in .*model\\.json take ${pristine.byteLength}`));
  });

  it.each([['../../../etc/hostname'], ['/etc/hostname'], ['']])('never reads a weights path outside the folder: %j', async (path) => {
    json.weightsManifest[0].paths = [path];
    await writeFile(join(dir, MODEL_JSON), JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow(/names weights file .*; expected a file inside/);
  });

  it('names model.json when it is not JSON, and a missing weights file', async () => {
    await rm(weightsFile);
    await expect(loadModel(dir)).rejects.toThrow(new RegExp(`cannot read weights file ${weightsFile} \\(ENOENT\\)`));
    await writeFile(join(dir, MODEL_JSON), '{"modelTopology": ');
    await expect(loadModel(dir)).rejects.toThrow(/model\.json is not valid JSON .*corrupt/);
  });
});
