import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildSequential,
  DEFAULT_NORMALIZATION,
  loadPretrainedFromUrl,
  MANIFEST_JSON,
  preprocess,
  WeightsError,
  type InputSpec,
  type WeightsManifest,
} from '../src';
import { decodeImage, loadPretrainedNode, saveTrainedModel, type TrainedModelFacts } from '../src/node';

const CLASSES = ['zero', 'one', 'two', 'three'];
const SPEC: InputSpec = { size: 8, channels: 1, layout: 'NHWC', normalization: DEFAULT_NORMALIZATION };

/** A small classifier shaped like the zoo's: conv, pool, fc1, dropout, fc2, dropout, predictions. */
function tinyNet(name: string, seed: number): tf.LayersModel {
  return buildSequential(
    [
      { kind: 'conv', name: 'conv1', filters: 3, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
      { kind: 'lrn', name: 'norm1' },
      { kind: 'pool', name: 'pool1', mode: 'max', poolSize: 2, strides: 2, padding: 'valid' },
      { kind: 'flatten', name: 'flatten' },
      { kind: 'dense', name: 'fc1', units: 6, activation: 'relu' },
      { kind: 'dropout', name: 'dropout1', rate: 0.5 },
      { kind: 'dense', name: 'fc2', units: 5, activation: 'relu' },
      { kind: 'dropout', name: 'dropout2', rate: 0.5 },
      { kind: 'dense', name: 'predictions', units: CLASSES.length, activation: 'softmax' },
    ],
    { name, inputShape: [8, 8, 1], kernelInitializer: 'glorotUniform', seed },
  );
}

function facts(name: string): TrainedModelFacts {
  return {
    model: name,
    config: { seed: 1 },
    categories: CLASSES,
    input: SPEC,
    dataset: 'test-data',
    testAccuracy: 0.5,
    testLoss: 1.25,
    testExamples: 8,
    recipe: { optimizer: 'sgd', learningRate: 0.1, batchSize: 4, epochs: 1, source: 'test' },
    command: 'jest',
    backend: 'cpu',
    trainSeconds: 0,
  };
}

const pixels = (h: number, w: number, c: number, seed: number) => tf.randomUniform(c === 0 ? [h, w] : [h, w, c], 0, 255, 'float32', seed).round();

describe('pretrained weights', () => {
  let root: string;
  let shipped: string;
  let original: tf.LayersModel;
  let manifest: WeightsManifest;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'zoo-pretrained-'));
    shipped = join(root, 'weights');
    original = tinyNet('tiny', 1);
    manifest = await saveTrainedModel(original, join(shipped, 'tiny'), facts('tiny'));
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  /** A copy of the saved folder to damage. */
  async function copy(name: string): Promise<string> {
    const dir = join(root, name);
    await rm(dir, { recursive: true, force: true });
    const { cp } = await import('node:fs/promises');
    await cp(join(shipped, 'tiny'), dir, { recursive: true });
    return dir;
  }

  it('writes model.json, one weights file and a manifest whose SHA-256 is that of the weights', async () => {
    const files = (await readdir(join(shipped, 'tiny'))).sort();
    expect(files).toEqual([MANIFEST_JSON, 'model.json', manifest.files.weights[0]].sort());
    const onDisk = JSON.parse(await readFile(join(shipped, 'tiny', MANIFEST_JSON), 'utf8')) as WeightsManifest;
    expect(onDisk).toEqual(manifest);
    const bin = await readFile(join(shipped, 'tiny', manifest.files.weights[0]));
    const { createHash } = await import('node:crypto');
    expect(manifest.sha256).toBe(createHash('sha256').update(bin).digest('hex'));
    expect(manifest.bytes).toBe(bin.byteLength);
    expect(manifest.params).toBe(original.countParams());
    expect(manifest).toMatchObject({ format: 'zoo-weights', formatVersion: 1, model: 'tiny', categories: CLASSES, testAccuracy: 0.5 });
    // No temporary folders are left beside it.
    expect(await readdir(shipped)).toEqual(['tiny']);
  });

  it('saving again replaces the folder whole', async () => {
    const dir = join(root, 'resave');
    await saveTrainedModel(tinyNet('tiny', 1), dir, facts('tiny'));
    const second = await saveTrainedModel(tinyNet('tiny', 2), dir, facts('tiny'));
    expect((await readdir(dir)).sort()).toEqual([MANIFEST_JSON, 'model.json', second.files.weights[0]].sort());
    expect((await readdir(root)).filter((n) => n.includes('resave'))).toEqual(['resave']);
  });

  it('loads the shipped folder by default and predicts exactly as the saved model', async () => {
    const p = await loadPretrainedNode('tiny', shipped);
    expect(p.weights).toEqual(manifest);
    expect(p.categories).toEqual(CLASSES);
    const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 3);
    const a = original.predict(x) as tf.Tensor;
    const b = p.model.predict(x) as tf.Tensor;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, a, b]);
    p.model.dispose();
  });

  it('takes a file: URL, and says to use weightsPath for a bare path', async () => {
    const { pathToFileURL } = await import('node:url');
    const p = await loadPretrainedNode('tiny', join(root, 'nowhere'), { url: pathToFileURL(join(shipped, 'tiny')) });
    expect(p.weights.sha256).toBe(manifest.sha256);
    await expect(loadPretrainedNode('tiny', shipped, { url: './weights/tiny' })).rejects.toThrow(/url must be an http\(s\): or file: URL, got "\.\/weights\/tiny"; for a folder on disk pass weightsPath/);
  });

  it('says what to pass when no weights ship for the model', async () => {
    await expect(loadPretrainedNode('bigger', shipped)).rejects.toThrow(/no weights ship for 'bigger' \(looked for .*bigger.*manifest\.json\); pass \{ weightsPath \} or \{ url \}/);
  });

  it('rejects weights whose checksum does not match, naming the file', async () => {
    const dir = await copy('corrupt');
    const bin = join(dir, manifest.files.weights[0]);
    const bytes = await readFile(bin);
    bytes[10] ^= 0xff;
    await writeFile(bin, bytes);
    const err = await loadPretrainedNode('tiny', shipped, { weightsPath: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as WeightsError).file).toBe(bin);
    expect((err as Error).message).toMatch(/checksum mismatch: SHA-256 [0-9a-f]{64} .* says [0-9a-f]{64}/);
  });

  it('rejects a pinned sha256 the manifest does not have', async () => {
    await expect(loadPretrainedNode('tiny', shipped, { sha256: '0'.repeat(64) })).rejects.toThrow(/manifest\.json: lists weights with SHA-256 [0-9a-f]{64}, but 0{64} was expected/);
    const ok = await loadPretrainedNode('tiny', shipped, { sha256: manifest.sha256.toUpperCase() });
    ok.model.dispose();
  });

  it('rejects a manifest for another architecture, naming the manifest', async () => {
    const err = await loadPretrainedNode('lenet5', shipped, { weightsPath: join(shipped, 'tiny') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as Error).message).toBe(`${join(shipped, 'tiny', MANIFEST_JSON)}: is a manifest for 'tiny', not for 'lenet5'; point to the weights of 'lenet5'`);
  });

  it('rejects a model.json that holds another model than its manifest says, naming model.json', async () => {
    const dir = join(root, 'other');
    await saveTrainedModel(tinyNet('tiny-other', 1), dir, facts('tiny'));
    await expect(loadPretrainedNode('tiny', shipped, { weightsPath: dir })).rejects.toThrow(`${join(dir, 'model.json')}: holds the model 'tiny-other', but ${join(dir, MANIFEST_JSON)} is for 'tiny'`);
  });

  it('names a missing weights file, and a missing or malformed manifest', async () => {
    const dir = await copy('missing');
    await rm(join(dir, manifest.files.weights[0]));
    await expect(loadPretrainedNode('tiny', shipped, { weightsPath: dir })).rejects.toThrow(`${join(dir, manifest.files.weights[0])}: cannot read (no such file)`);
    await rm(join(dir, MANIFEST_JSON));
    await expect(loadPretrainedNode('tiny', shipped, { weightsPath: dir })).rejects.toThrow(`${join(dir, MANIFEST_JSON)}: cannot read (no such file)`);
    await writeFile(join(dir, MANIFEST_JSON), '{"format": "something-else"}');
    await expect(loadPretrainedNode('tiny', shipped, { weightsPath: dir })).rejects.toThrow(/manifest\.json: format must be 'zoo-weights'/);
    await writeFile(join(dir, MANIFEST_JSON), '{ not json');
    await expect(loadPretrainedNode('tiny', shipped, { weightsPath: dir })).rejects.toThrow(/manifest\.json: is not valid JSON/);
  });

  it('includeTop: false ends at the last hidden layer (fc2) with the trained weights', async () => {
    const p = await loadPretrainedNode('tiny', shipped, { includeTop: false });
    expect(p.model.outputs[0].shape).toEqual([null, 5]);
    expect(p.model.layers.map((l) => l.name)).not.toContain('predictions');
    expect(p.categories).toEqual([]);
    const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 4);
    const reference = tf.model({ inputs: original.inputs, outputs: original.getLayer('fc2').output as tf.SymbolicTensor });
    const a = reference.predict(x) as tf.Tensor;
    const b = p.model.predict(x) as tf.Tensor;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    await expect(p.classify(tf.zeros([8, 8]))).rejects.toThrow(/includeTop: false and has no classifier/);
    tf.dispose([x, a, b]);
  });

  it('numClasses puts a fresh head on the pretrained features', async () => {
    const p = await loadPretrainedNode('tiny', shipped, { numClasses: 7 });
    expect(p.model.outputs[0].shape).toEqual([null, 7]);
    expect(p.categories).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(p.model.getLayer('fc2').getWeights()[0].dataSync()).toEqual(original.getLayer('fc2').getWeights()[0].dataSync());
    expect(p.model.layers.map((l) => l.name)).toContain('dropout2');
    const named = await loadPretrainedNode('tiny', shipped, { numClasses: 2, categories: ['cat', 'dog'] });
    const top = await named.classify(tf.zeros([8, 8]), { topK: 5 });
    expect(top.map((c) => c.className).sort()).toEqual(['cat', 'dog']);
    // The new model trains: one fit step changes the head and keeps the shapes.
    named.model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await named.model.fit(tf.zeros([2, 8, 8, 1]), tf.tensor2d([[1, 0], [0, 1]]), { epochs: 1, verbose: 0 });
    await expect(loadPretrainedNode('tiny', shipped, { numClasses: 3, includeTop: false })).rejects.toThrow(/pass one of them/);
    await expect(loadPretrainedNode('tiny', shipped, { numClasses: 0 })).rejects.toThrow(/numClasses must be an integer >= 1/);
    await expect(loadPretrainedNode('tiny', shipped, { numClasses: 2, categories: ['a'] })).rejects.toThrow(/must have numClasses \(2\) names; got 1/);
    await expect(loadPretrainedNode('tiny', shipped, { topK: 3 } as object)).rejects.toThrow(/unknown option 'topK'/);
  });

  it('classify returns the top k classes, most probable first, matching the model', async () => {
    const p = await loadPretrainedNode('tiny', shipped);
    const image = pixels(8, 8, 0, 7);
    const all = await p.classify(image, { topK: 10 });
    expect(all).toHaveLength(CLASSES.length);
    const probabilities = (p.model.predict(p.preprocess(image)) as tf.Tensor).dataSync();
    for (const c of all) {
      expect(c.className).toBe(CLASSES[c.index]);
      expect(c.probability).toBeCloseTo(probabilities[c.index], 6);
    }
    for (let i = 1; i < all.length; i++) expect(all[i - 1].probability).toBeGreaterThanOrEqual(all[i].probability);
    expect(all[0].index).toBe(probabilities.indexOf(Math.max(...probabilities)));
    expect(await p.classify(image, { topK: 2 })).toEqual(all.slice(0, 2));
    expect(await p.classify(image)).toEqual(all.slice(0, 3));
    await expect(p.classify(image, { topK: 0 })).rejects.toThrow(/topK must be an integer >= 1/);
    await expect(p.classify(tf.zeros([2, 8, 8, 1]))).rejects.toThrow(/takes one image; got a batch of 2/);
  });

  it('loads from a URL through fetch, and names a URL that fails', async () => {
    const served = new Map<string, Uint8Array>();
    for (const name of await readdir(join(shipped, 'tiny'))) served.set(`https://example.test/zoo/tiny/${name}`, await readFile(join(shipped, 'tiny', name)));
    const fakeFetch = (async (url: string | URL | Request) => {
      const body = served.get(String(url));
      return body === undefined ? new Response('missing', { status: 404, statusText: 'Not Found' }) : new Response(body);
    }) as typeof fetch;
    const p = await loadPretrainedFromUrl('tiny', { url: 'https://example.test/zoo/tiny', fetch: fakeFetch });
    expect(p.weights.sha256).toBe(manifest.sha256);
    await expect(loadPretrainedFromUrl('tiny', { url: 'https://example.test/zoo/none/', fetch: fakeFetch })).rejects.toThrow('https://example.test/zoo/none/manifest.json: cannot fetch: HTTP 404 Not Found');
    await expect(loadPretrainedFromUrl('tiny')).rejects.toThrow(/options\.url is required here.*\/node entry/);
  });
});

describe('preprocess', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const spec28: InputSpec = { size: 28, channels: 1, layout: 'NHWC', normalization: DEFAULT_NORMALIZATION };

  it('scales a [h, w] tensor of the right size by the normalisation only', () => {
    const image = pixels(28, 28, 0, 1);
    const x = preprocess(image, spec28);
    expect(x.shape).toEqual([1, 28, 28, 1]);
    const close = (a: tf.Tensor, b: tf.Tensor) => expect(a.sub(b).abs().max().dataSync()[0]).toBeLessThan(1e-6);
    close(x, image.div(255).reshape([1, 28, 28, 1]));
    const shifted = preprocess(image, { ...spec28, normalization: { scale: 2, offset: -1 } });
    close(shifted, image.mul(2).sub(1).reshape([1, 28, 28, 1]));
  });

  it('turns colour into luma and resizes any size as the training pipeline does', () => {
    const rgb = pixels(40, 50, 3, 2);
    const x = preprocess(rgb, spec28);
    expect(x.shape).toEqual([1, 28, 28, 1]);
    const grey = rgb.mul(tf.tensor1d([0.299, 0.587, 0.114])).sum(2, true).expandDims(0) as tf.Tensor4D;
    const expected = tf.image.resizeBilinear(grey, [28, 28], false, true).div(255);
    expect(x.sub(expected).abs().max().dataSync()[0]).toBeLessThan(1e-5);
    // A batch goes through whole; grey repeated for a three-channel model.
    expect(preprocess(pixels(2, 2, 0, 3).expandDims(0).expandDims(-1).tile([5, 1, 1, 1]), spec28).shape).toEqual([5, 28, 28, 1]);
    const three = preprocess(pixels(28, 28, 1, 4), { ...spec28, channels: 3 });
    expect(three.shape).toEqual([1, 28, 28, 3]);
  });

  it('reads ImageData-like RGBA pixels, compositing alpha over black', () => {
    const data = new Uint8ClampedArray(2 * 1 * 4);
    data.set([200, 200, 200, 255, 100, 100, 100, 0]);
    const x = preprocess({ width: 2, height: 1, data }, { ...spec28, size: 2 });
    expect(x.shape).toEqual([1, 2, 2, 1]);
    const values = x.dataSync();
    expect(values[0]).toBeCloseTo(200 / 255, 5); // opaque pixel kept
    expect(values[1]).toBe(0); // transparent pixel is background
    expect(() => preprocess({ width: 3, height: 3, data }, spec28)).toThrow(/expected 3x3 RGBA pixels \(36 bytes\), got 8 bytes/);
  });

  it('decodes PNG and JPEG bytes with the Node decoder', () => {
    const width = 30;
    const height = 20;
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) rgba.set([(i * 7) % 256, (i * 3) % 256, (i * 11) % 256, 255], i * 4);
    const png = new PNG({ width, height });
    png.data = Buffer.from(rgba);
    const pngBytes = PNG.sync.write(png);
    const decoded = decodeImage(new Uint8Array(pngBytes), 'a.png');
    expect([decoded.width, decoded.height]).toEqual([width, height]);
    expect(Array.from(decoded.data)).toEqual(Array.from(rgba));
    const fromPng = preprocess(pngBytes, spec28, { decode: decodeImage });
    const fromPixels = preprocess({ width, height, data: rgba }, spec28);
    expect(Array.from(fromPng.dataSync())).toEqual(Array.from(fromPixels.dataSync()));

    const flat = new Uint8Array(width * height * 4).fill(180);
    const jpg = jpeg.encode({ width, height, data: Buffer.from(flat) }, 95).data;
    const fromJpeg = preprocess(new Uint8Array(jpg).buffer, spec28, { decode: decodeImage });
    expect(fromJpeg.shape).toEqual([1, 28, 28, 1]);
    expect(Math.abs(fromJpeg.mean().dataSync()[0] - 180 / 255)).toBeLessThan(0.01);

    expect(() => decodeImage(new TextEncoder().encode('hello, not an image'), 'notes.txt')).toThrow('notes.txt: not a PNG or JPEG image');
    expect(() => decodeImage(pngBytes.subarray(0, 40), 'cut.png')).toThrow(/^cut\.png: not a readable PNG/);
    expect(() => preprocess(pngBytes, spec28)).toThrow(/image bytes need a decoder/);
    expect(() => preprocess('shirt.png' as never, spec28)).toThrow(/expected a tf.Tensor, ImageData .* got a string/);
    expect(() => preprocess(tf.zeros([1, 1, 1, 1, 1]), spec28)).toThrow(/got shape \[1, 1, 1, 1, 1\]/);
    expect(() => preprocess(tf.zeros([4, 4, 2]), spec28)).toThrow(/expected 1, 3 or 4 channels, got 2/);
  });
});
