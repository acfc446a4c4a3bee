/**
 * Loading a zoo weights folder (manifest.json + TF.js Layers model) from any source, verified
 * against the manifest, into a ready-to-use classifier. Browser-safe: files come through a
 * {@link WeightsSource}; `urlSource` fetches them, `@zoo/layers/node`'s `fileSource` reads a folder.
 */
import * as tf from '@tensorflow/tfjs';
// The zoo's custom layers must be registered before a model.json that uses them is deserialised.
import '../grouped-conv2d';
import '../lrn';
import { MANIFEST_JSON, parseManifest, sha256Hex, WeightsError, type WeightsManifest } from './manifest';
import { preprocess, type ImageDecoder, type ImageInput } from './preprocess';

/** Where a weights folder's files come from. */
export interface WeightsSource {
  /** The file's path or URL, for messages. */
  describe(name: string): string;
  /** The file's bytes; rejects with a {@link WeightsError} naming it when it cannot be read. */
  read(name: string): Promise<Uint8Array>;
}

/** A folder on a web server (or any URL `fetch` can read): `url` is the folder holding `manifest.json`. */
export function urlSource(url: string | URL, fetchFn: typeof fetch = globalThis.fetch): WeightsSource {
  if (typeof fetchFn !== 'function') throw new TypeError('urlSource: no fetch function (pass options.fetch)');
  const base = new URL(String(url).endsWith('/') ? String(url) : `${String(url)}/`, (globalThis as { location?: { href: string } }).location?.href);
  const at = (name: string) => new URL(name, base).href;
  return {
    describe: at,
    async read(name) {
      let response: Response;
      try {
        response = await fetchFn(at(name));
      } catch (err) {
        throw new WeightsError(at(name), `cannot fetch (${(err as Error).message})`);
      }
      if (!response.ok) throw new WeightsError(at(name), `cannot fetch: HTTP ${response.status} ${response.statusText}`.trim());
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

/** Options of {@link loadPretrainedFrom} (and of every `loadPretrained`). */
export interface LoadPretrainedOptions {
  /** Folder (URL) holding `manifest.json`. Required in a browser; in Node the shipped weights are the default. */
  url?: string | URL;
  /**
   * `false`: drop the classifier, keeping a feature extractor that ends at the last hidden layer
   * (`fc2` for AlexNet, `fc2` for LeNet) — Keras' `include_top=False`. Default `true`.
   */
  includeTop?: boolean;
  /** Replace the classifier with a fresh, randomly initialised one of this many classes on the pretrained features, for fine-tuning. Default: the manifest's. */
  numClasses?: number;
  /** Class names of the fresh head (with `numClasses`). Default: `'0'`, `'1'`, … */
  categories?: readonly string[];
  /** The weights' expected SHA-256 (hex): pins the download beyond the manifest's own claim. Default: trust the manifest. */
  sha256?: string;
  /** `fetch` to use for `url`. Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** One prediction of {@link Pretrained.classify}. */
export interface Classification {
  readonly className: string;
  readonly probability: number;
  /** Output unit (class index). */
  readonly index: number;
}

/** A loaded pretrained model. */
export interface Pretrained {
  /** The model: a classifier, a feature extractor (`includeTop: false`), or one with a fresh head (`numClasses`). */
  readonly model: tf.LayersModel;
  /** The manifest of the weights: accuracy, categories, recipe, SHA-256, … */
  readonly weights: WeightsManifest;
  /** Class names of `model`'s outputs; empty for a feature extractor. */
  readonly categories: readonly string[];
  /** An image (or batch) as the model's input; see `ImageInput`. The caller disposes the tensor. */
  preprocess(input: ImageInput): tf.Tensor4D;
  /** Top-k classes of one image, most probable first. Default `topK` 3. */
  classify(input: ImageInput, options?: { topK?: number }): Promise<Classification[]>;
}

const LOAD_KEYS = ['url', 'includeTop', 'numClasses', 'categories', 'sha256', 'fetch'] as const;

/** Checks the options every loader shares; `extra` are the keys a wrapper adds. */
export function checkLoadOptions(where: string, options: object, extra: readonly string[] = []): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object, got ${String(options)}`);
  const keys = [...LOAD_KEYS, ...extra];
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) throw new RangeError(`${where}: unknown option '${key}'; the options are ${keys.join(', ')}`);
  }
  const o = options as LoadPretrainedOptions;
  if (o.includeTop !== undefined && typeof o.includeTop !== 'boolean') throw new TypeError(`${where}: includeTop must be true or false, got ${JSON.stringify(o.includeTop)}`);
  if (o.numClasses !== undefined && (!Number.isInteger(o.numClasses) || o.numClasses < 1)) {
    throw new RangeError(`${where}: numClasses must be an integer >= 1, got ${JSON.stringify(o.numClasses)}`);
  }
  if (o.numClasses !== undefined && o.includeTop === false) throw new RangeError(`${where}: numClasses adds a new classifier, includeTop: false removes it; pass one of them`);
  if (o.categories !== undefined && (o.numClasses === undefined || o.categories.length !== o.numClasses)) {
    throw new RangeError(`${where}: categories go with numClasses and must have numClasses (${String(o.numClasses)}) names; got ${o.categories.length}`);
  }
  if (o.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(o.sha256)) throw new RangeError(`${where}: sha256 must be 64 hex digits, got ${JSON.stringify(o.sha256)}`);
}

function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new WeightsError(file, `is not valid JSON (${(err as Error).message})`);
  }
}

/** The last layer before the classifier that is not dropout: where a feature extractor ends. */
function lastHidden(model: tf.LayersModel, file: string): { features: tf.layers.Layer; beforeHead: tf.layers.Layer } {
  const layers = model.layers;
  const head = layers.length - 1;
  if (layers[head]?.name !== 'predictions') throw new WeightsError(file, `the last layer is '${layers[head]?.name}', not 'predictions': not a zoo classifier`);
  let i = head - 1;
  while (i > 0 && layers[i].getClassName() === 'Dropout') i--;
  return { features: layers[i], beforeHead: layers[head - 1] };
}

/**
 * Loads and verifies the weights folder behind `source` as the architecture `expectedModel`:
 * the manifest must be a zoo manifest for that model, the weights' SHA-256 and size must match it,
 * and the model in `model.json` must have the manifest's name, input and parameter count. Each
 * failure is a {@link WeightsError} naming the file.
 */
export async function loadPretrainedFrom(
  source: WeightsSource,
  expectedModel: string,
  options: Omit<LoadPretrainedOptions, 'url' | 'fetch'> = {},
  decode?: ImageDecoder,
): Promise<Pretrained> {
  checkLoadOptions(`loadPretrained('${expectedModel}')`, options);
  const manifestFile = source.describe(MANIFEST_JSON);
  const manifest = parseManifest(parseJson(await source.read(MANIFEST_JSON), manifestFile), manifestFile, expectedModel);
  if (options.sha256 !== undefined && options.sha256.toLowerCase() !== manifest.sha256) {
    throw new WeightsError(manifestFile, `lists weights with SHA-256 ${manifest.sha256}, but ${options.sha256.toLowerCase()} was expected (options.sha256)`);
  }
  const modelFile = source.describe(manifest.files.model);
  const modelJSON = parseJson(await source.read(manifest.files.model), modelFile) as Partial<tf.io.ModelJSON>;
  if (typeof modelJSON !== 'object' || modelJSON === null || modelJSON.modelTopology === undefined || !Array.isArray(modelJSON.weightsManifest)) {
    throw new WeightsError(modelFile, 'is not a TF.js Layers model.json (no modelTopology / weightsManifest)');
  }
  const paths = modelJSON.weightsManifest.flatMap((g) => g.paths);
  if (paths.join('\n') !== manifest.files.weights.join('\n')) {
    throw new WeightsError(modelFile, `names weights files [${paths.join(', ')}], but ${manifestFile} lists [${manifest.files.weights.join(', ')}]`);
  }
  const parts = await Promise.all(manifest.files.weights.map((name) => source.read(name)));
  const weightsFiles = manifest.files.weights.map((name) => source.describe(name)).join(', ');
  const bytes = parts.reduce((n, p) => n + p.byteLength, 0);
  const digest = await sha256Hex(parts);
  if (digest !== manifest.sha256 || bytes !== manifest.bytes) {
    throw new WeightsError(weightsFiles, `checksum mismatch: SHA-256 ${digest} (${bytes} bytes), but ${manifestFile} says ${manifest.sha256} (${manifest.bytes} bytes); the file is corrupt, truncated or from other weights`);
  }
  const weightData = new Uint8Array(bytes);
  let at = 0;
  for (const p of parts) {
    weightData.set(p, at);
    at += p.byteLength;
  }
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJSON.modelTopology, weightSpecs: modelJSON.weightsManifest.flatMap((g) => g.weights), weightData: weightData.buffer }),
    );
  } catch (err) {
    throw new WeightsError(modelFile, `cannot be loaded as a TF.js Layers model: ${(err as Error).message}`);
  }
  const shape = model.inputs[0].shape;
  const { size, channels } = manifest.input;
  const problem =
    model.name !== manifest.model
      ? `holds the model '${model.name}', but ${manifestFile} is for '${manifest.model}'`
      : shape[1] !== size || shape[2] !== size || shape[3] !== channels
        ? `takes input [${shape.join(', ')}], but ${manifestFile} says ${size}x${size}x${channels}`
        : model.countParams() !== manifest.params
          ? `has ${model.countParams()} parameters, but ${manifestFile} says ${manifest.params}`
          : null;
  if (problem !== null) {
    model.dispose();
    throw new WeightsError(modelFile, problem);
  }

  let categories: readonly string[] = manifest.categories;
  if (options.includeTop === false || options.numClasses !== undefined) {
    const { features, beforeHead } = lastHidden(model, modelFile);
    const full = model;
    if (options.includeTop === false) {
      model = tf.model({ inputs: full.inputs, outputs: features.output as tf.SymbolicTensor, name: `${manifest.model}-features` });
      categories = [];
    } else {
      const n = options.numClasses as number;
      // The fresh head sits after the last dropout, so fine-tuning keeps the regularisation the features were trained with.
      const head = tf.layers.dense({ units: n, activation: 'softmax', name: 'predictions', kernelInitializer: 'glorotUniform' });
      model = tf.model({ inputs: full.inputs, outputs: head.apply(beforeHead.output as tf.SymbolicTensor) as tf.SymbolicTensor, name: manifest.model });
      categories = options.categories ?? Array.from({ length: n }, (_, i) => String(i));
    }
    // The old classifier is not part of the new model; free its weights.
    full.getLayer('predictions').dispose();
  }
  return createPretrained(model, manifest, categories, decode);
}

function createPretrained(model: tf.LayersModel, manifest: WeightsManifest, categories: readonly string[], decode: ImageDecoder | undefined): Pretrained {
  const prep = (input: ImageInput, name?: string) => preprocess(input, manifest.input, { decode, name });
  return {
    model,
    weights: manifest,
    categories,
    preprocess: (input) => prep(input),
    async classify(input, options = {}) {
      const topK = options.topK ?? 3;
      if (!Number.isInteger(topK) || topK < 1) throw new RangeError(`classify: topK must be an integer >= 1, got ${JSON.stringify(topK)}`);
      if (categories.length === 0) throw new RangeError('classify: this model was loaded with includeTop: false and has no classifier; use model.predict for features');
      const x = prep(input, 'classify(input)');
      let probabilities: Float32Array;
      try {
        if (x.shape[0] !== 1) throw new RangeError(`classify takes one image; got a batch of ${x.shape[0]} (use model.predict(preprocess(batch)) for batches)`);
        const y = model.predict(x) as tf.Tensor;
        probabilities = (await y.data()) as Float32Array;
        y.dispose();
      } finally {
        x.dispose();
      }
      return Array.from(probabilities, (probability, index) => ({ className: categories[index] ?? String(index), probability, index }))
        .sort((a, b) => b.probability - a.probability || a.index - b.index)
        .slice(0, topK);
    },
  };
}

/**
 * Loads `name` from the folder at `options.url` (fetched; the browser's way). Without `url` it is an
 * error that says where the shipped weights are read from disk instead.
 */
export async function loadPretrainedFromUrl(name: string, options: LoadPretrainedOptions = {}): Promise<Pretrained> {
  checkLoadOptions(`loadPretrained('${name}')`, options);
  const { url, fetch: fetchFn, ...rest } = options;
  if (url === undefined) {
    throw new RangeError(
      `loadPretrained('${name}'): options.url is required here (the URL of the folder holding manifest.json); ` +
        "in Node, import loadPretrained from the package's /node entry (e.g. '@zoo/models/node') to read the shipped weights from disk",
    );
  }
  return loadPretrainedFrom(urlSource(url, fetchFn), name, rest);
}
