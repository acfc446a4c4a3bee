/**
 * What the trained networks look like inside, for the report: each model's first-layer filters as an
 * image grid (the AlexNet paper's figure 3) and what every convolution outputs for one test image per
 * class. Drawn from the model each run saved in `models/<id>/`, not from the worker's copy in memory,
 * so a run finished in one session and one finished after `--resume` get the same pictures, and the
 * pictures are of exactly the weights a user loads.
 *
 * The pictures are PNG files under `views/`, which report.md and report.html both show by relative
 * link: inlined as data URLs, AlexNet's feature maps for ten images alone would add megabytes to
 * report.html, once per model of a sweep.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Split } from '@zoo/datasets';
import { convLayers, featureMaps, filterGrid, type ImageGrid } from '@zoo/analysis';
import { encodePng } from '@zoo/layers/node';
import { isModelName } from '@zoo/models';
import { loadPretrained } from '@zoo/models/node';
import { writeFileAtomic } from './files';
import type { SavedModelInfo } from './saved-model';

/** The folder under the run folder that holds every picture. */
export const VIEWS_DIR = 'views';

/** A PNG written under the run folder. */
export interface ImageFile {
  /** Relative to the run folder, with `/` separators, so that it is also the link in the reports. */
  path: string;
  width: number;
  height: number;
}

/** One test image the feature maps are shown for: the first of its class in the test set. */
export interface Sample {
  className: string;
  /** Position in the test set. */
  testIndex: number;
  /** The test image as it is on disk (before any resize to a model's input). */
  input: ImageFile;
}

export interface LayerMaps extends ImageFile {
  layer: string;
  /** The layer's output for one image: [height, width, channels]. */
  shape: [number, number, number];
}

export interface ModelViews {
  /** The first convolution's filters, one tile each. */
  filters: ImageFile & { layer: string; count: number; kernel: [number, number, number] };
  /** Per sample, in the order of {@link ReportViews.samples}: each convolution's output, in model order. */
  maps: LayerMaps[][];
}

export interface ReportViews {
  samples: Sample[];
  /** By run id; a run without a saved model (interrupted, failed) has none. */
  models: Record<string, ModelViews>;
  /** By run id: why its pictures could not be drawn. */
  errors?: Record<string, string>;
}

/** The network and the preprocessing its inputs had in training, as `loadPretrained` returns them. */
export interface Viewable {
  model: tf.LayersModel;
  preprocess(pixels: tf.Tensor): tf.Tensor4D;
}

/** The index of the first test image of each class, in class order; classes with no image are left out. */
export function firstOfEachClass(labels: Uint8Array, numClasses: number): { label: number; index: number }[] {
  const first = new Array<number>(numClasses).fill(-1);
  let missing = numClasses;
  for (let i = 0; i < labels.length && missing > 0; i++) {
    const label = labels[i];
    if (label < numClasses && first[label] < 0) {
      first[label] = i;
      missing--;
    }
  }
  return first.flatMap((index, label) => (index < 0 ? [] : [{ label, index }]));
}

/** A file-name-safe form of a class name: `ankle boot` → `ankle-boot`, `T-shirt/top` → `t-shirt-top`. */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'class';
}

function testPixels(test: Split, index: number): Uint8Array {
  const size = test.height * test.width;
  return test.images.subarray(index * size, (index + 1) * size);
}

/** Grey pixels as the RGBA that encodePng takes. */
function greyToRgba(pixels: Uint8Array, width: number, height: number): { width: number; height: number; data: Uint8ClampedArray } {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < pixels.length; i++) {
    data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = pixels[i];
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

async function writePng(runDir: string, path: string, image: { width: number; height: number; data: Uint8ClampedArray | Uint8Array }): Promise<ImageFile> {
  await writeFileAtomic(join(runDir, ...path.split('/')), encodePng(image, path));
  return { path, width: image.width, height: image.height };
}

/** Writes the test image of each class once per run, `views/inputs/<index>-<class>.png`. */
export async function writeSamples(runDir: string, test: Split, classNames: readonly string[]): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const { label, index } of firstOfEachClass(test.labels, classNames.length)) {
    const className = classNames[label];
    const input = await writePng(runDir, `${VIEWS_DIR}/inputs/${index}-${slug(className)}.png`, greyToRgba(testPixels(test, index), test.width, test.height));
    samples.push({ className, testIndex: index, input });
  }
  return samples;
}

/**
 * Draws one network: its first convolution's filters, and every convolution's output for each sample,
 * under `views/<id>/`. The samples are preprocessed as the network's training data was (resized to
 * its input, scaled by its normalisation).
 */
export async function writeModelViews(runDir: string, id: string, net: Viewable, samples: readonly Sample[], test: Split): Promise<ModelViews> {
  const dir = `${VIEWS_DIR}/${id}`;
  const [conv1] = convLayers(net.model);
  if (conv1 === undefined) throw new Error(`${id}: the model has no convolution to draw`);
  const grid = filterGrid(net.model, { layer: conv1.name });
  const file = await writePng(runDir, `${dir}/filters-${conv1.name}.png`, grid);
  const filters: ModelViews['filters'] = { ...file, layer: conv1.name, count: conv1.filters, kernel: [conv1.kernelHeight, conv1.kernelWidth, conv1.inChannels] };
  const maps: LayerMaps[][] = [];
  for (const sample of samples) {
    const input = net.preprocess(tf.tensor2d(testPixels(test, sample.testIndex), [test.height, test.width], 'int32'));
    let layers: { layer: string; shape: [number, number, number]; grid: ImageGrid }[];
    try {
      layers = featureMaps(net.model, input);
    } finally {
      input.dispose();
    }
    const files: LayerMaps[] = [];
    for (const m of layers) {
      const file = await writePng(runDir, `${dir}/${sample.testIndex}-${m.layer}.png`, m.grid);
      files.push({ ...file, layer: m.layer, shape: m.shape });
    }
    maps.push(files);
  }
  return { filters, maps };
}

/** Loads a run's saved model (its checksum verified), as `compare classify --run` does. */
export async function loadSavedModel(runDir: string, model: string, saved: SavedModelInfo): Promise<Viewable & { dispose(): void }> {
  if (!isModelName(model)) throw new Error(`model: expected a registry name, got ${JSON.stringify(model)}`);
  const net = await loadPretrained(model, { weightsPath: join(runDir, saved.path) });
  return { model: net.model, preprocess: (pixels) => net.preprocess(pixels), dispose: () => net.model.dispose() };
}

/**
 * The report's pictures for every run that saved a model. A model that cannot be drawn costs its
 * pictures, not the report: the reason is kept in `errors`.
 */
export async function writeReportViews(
  runDir: string,
  runs: readonly { name: string; model: string; savedModel?: SavedModelInfo }[],
  test: Split,
  classNames: readonly string[],
): Promise<ReportViews | undefined> {
  const saved = runs.filter((r) => r.savedModel !== undefined);
  if (saved.length === 0) return undefined;
  const views: ReportViews = { samples: await writeSamples(runDir, test, classNames), models: {} };
  for (const run of saved) {
    try {
      const net = await loadSavedModel(runDir, run.model, run.savedModel!);
      try {
        views.models[run.name] = await writeModelViews(runDir, run.name, net, views.samples, test);
      } finally {
        net.dispose();
      }
    } catch (err) {
      (views.errors ??= {})[run.name] = (err as Error).message;
    }
  }
  return views;
}
