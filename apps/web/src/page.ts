/**
 * The page: loads models by URL and classifies images with them, in the browser, on the backend
 * `initBackend` picks there. Nothing here is Node: it is what a web user of the zoo writes.
 *
 * It exposes `window.zoo.classify(request)`, which the browser test (or a person at the console)
 * calls with the URLs of the models and images to use.
 */
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend, type BackendChoice } from '@zoo/backend';
import { parseIdx } from '@zoo/datasets';
import { loadPretrained, type Classification, type ModelName } from '@zoo/models';
// Registers the zoo's custom layers (LocalResponseNormalization, GroupedConv2D) with TF.js, so that
// plain tf.loadLayersModel can read a saved alexnet-classic.
import '@zoo/layers';

/** One model to load: a folder URL holding TF.js's `model.json` and its weights. */
export interface ModelRequest {
  name: string;
  url: string;
}

/** What the page is asked to do. */
export interface ClassifyRequest {
  backend?: BackendChoice;
  /** Where the page serves tfjs-backend-wasm's .wasm files. */
  wasmPaths?: string;
  models: ModelRequest[];
  /** URL of an IDX file of grayscale images, [count, height, width] bytes (Fashion-MNIST's format). */
  images: string;
}

/** One model's answer for every image: its class probabilities, in image order. */
export interface ModelAnswer {
  name: string;
  inputShape: (number | null)[];
  probabilities: number[][];
}

export interface ClassifyResult {
  backend: string;
  backendLine: string;
  tfjsVersion: string;
  models: ModelAnswer[];
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Grayscale bytes drawn onto a canvas as opaque RGBA, the way an image reaches a page. */
function toCanvas(pixels: Uint8Array, size: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const rgba = new ImageData(size, size);
  for (let i = 0; i < pixels.length; i++) {
    rgba.data.set([pixels[i], pixels[i], pixels[i], 255], 4 * i);
  }
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('this browser gives the page no 2D canvas');
  context.putImageData(rgba, 0, 0);
  return canvas;
}

/** A canvas as a model input: one gray channel scaled to [0, 1] (as in training), resized to the model's input. */
function toInput(canvas: HTMLCanvasElement, height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => {
    const gray = tf.browser.fromPixels(canvas, 1).toFloat().div(255) as tf.Tensor3D;
    const sized = gray.shape[0] === height && gray.shape[1] === width ? gray : tf.image.resizeBilinear(gray, [height, width]);
    return sized.expandDims(0) as tf.Tensor4D;
  });
}

/** The images of an IDX file, each drawn on its own canvas. */
async function loadCanvases(url: string): Promise<HTMLCanvasElement[]> {
  const idx = parseIdx(await fetchBytes(url), url);
  if (idx.shape.length !== 3 || idx.shape[1] !== idx.shape[2]) {
    throw new Error(`${url}: shape [${idx.shape.join(', ')}], expected square images [count, size, size]`);
  }
  const [count, size] = idx.shape;
  return Array.from({ length: count }, (_, i) => toCanvas(idx.data.subarray(i * size * size, (i + 1) * size * size), size));
}

/** A canvas as an `<img>` (a PNG data URL), decoded: the third way an image reaches a page. */
async function toImage(canvas: HTMLCanvasElement): Promise<HTMLImageElement> {
  const img = new Image();
  img.src = canvas.toDataURL('image/png');
  await img.decode();
  return img;
}

export async function classify(request: ClassifyRequest): Promise<ClassifyResult> {
  const info = await initBackend({ backend: request.backend, wasmPaths: request.wasmPaths });
  const canvases = await loadCanvases(request.images);
  const models: ModelAnswer[] = [];
  for (const m of request.models) {
    const model = await tf.loadLayersModel(`${m.url.replace(/\/$/, '')}/model.json`);
    const [, height, width] = model.inputs[0].shape as number[];
    const probabilities: number[][] = [];
    for (const canvas of canvases) {
      const x = toInput(canvas, height, width);
      const y = model.predict(x) as tf.Tensor;
      probabilities.push(Array.from(await y.data()));
      tf.dispose([x, y]);
    }
    models.push({ name: m.name, inputShape: model.inputs[0].shape, probabilities });
    model.dispose();
  }
  return { backend: info.name, backendLine: describeBackend(info), tfjsVersion: tf.version.tfjs, models };
}

/** A zoo weights folder to load with `loadPretrained`, and images to classify with it. */
export interface PretrainedRequest {
  backend?: BackendChoice;
  wasmPaths?: string;
  name: ModelName;
  /** The folder holding manifest.json, model.json and the weights. */
  url: string;
  /** URL of an IDX file of grayscale images (see {@link ClassifyRequest.images}). */
  images: string;
  topK?: number;
  /** How many of the images to classify also as an `<img>`. Default: all. */
  asImages?: number;
}

export interface PretrainedResult {
  backend: string;
  backendLine: string;
  sha256: string;
  testAccuracy: number;
  categories: string[];
  /** Per image, `classify` of its canvas, of its ImageData, and (for the first `asImages`) of an `<img>`. */
  fromCanvas: Classification[][];
  fromImageData: Classification[][];
  fromImage: Classification[][];
}

/** What a web user of the zoo writes: `loadPretrained(name, { url })`, then `classify` what the page has. */
export async function classifyPretrained(request: PretrainedRequest): Promise<PretrainedResult> {
  const info = await initBackend({ backend: request.backend, wasmPaths: request.wasmPaths });
  const canvases = await loadCanvases(request.images);
  const pretrained = await loadPretrained(request.name, { url: request.url });
  const topK = request.topK ?? 3;
  const result: PretrainedResult = {
    backend: info.name,
    backendLine: describeBackend(info),
    sha256: pretrained.weights.sha256,
    testAccuracy: pretrained.weights.testAccuracy,
    categories: [...pretrained.categories],
    fromCanvas: [],
    fromImageData: [],
    fromImage: [],
  };
  for (const [i, canvas] of canvases.entries()) {
    result.fromCanvas.push(await pretrained.classify(canvas, { topK }));
    const data = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height);
    result.fromImageData.push(await pretrained.classify(data, { topK }));
    if (i < (request.asImages ?? canvases.length)) result.fromImage.push(await pretrained.classify(await toImage(canvas), { topK }));
  }
  pretrained.model.dispose();
  return result;
}

/**
 * What `index.html?demo` shows a person: the shipped alexnet-mini's answer for each test image the
 * built folder holds (`pnpm --filter web start` copies both in), drawn beside the image.
 */
async function demo(): Promise<void> {
  const status = document.createElement('p');
  document.body.append(status);
  status.textContent = 'starting…';
  try {
    const info = await initBackend({ wasmPaths: './wasm/' });
    const pretrained = await loadPretrained('alexnet-mini', { url: './weights/alexnet-mini/' });
    const canvases = await loadCanvases('./images/t10k-images-first32.idx3');
    const labels = parseIdx(await fetchBytes('./images/t10k-labels-first32.idx1'), 't10k-labels-first32.idx1').data;
    const grid = document.createElement('div');
    grid.style.cssText = 'display:grid;grid-template-columns:repeat(8,110px);gap:8px;font:12px sans-serif';
    let right = 0;
    for (const [i, canvas] of canvases.entries()) {
      const [top] = await pretrained.classify(canvas, { topK: 1 });
      const ok = top.index === labels[i];
      if (ok) right++;
      canvas.style.cssText = 'width:84px;height:84px;image-rendering:pixelated';
      const cell = document.createElement('div');
      const caption = document.createElement('div');
      caption.textContent = `${top.className} ${(100 * top.probability).toFixed(0)}%`;
      caption.style.color = ok ? '#060' : '#b00';
      cell.append(canvas, caption);
      grid.append(cell);
    }
    document.body.append(grid);
    status.textContent =
      `alexnet-mini (test accuracy ${pretrained.weights.testAccuracy} in its manifest): ${right} of ${canvases.length} right. ` + describeBackend(info);
  } catch (err) {
    status.textContent = `${(err as Error).name}: ${(err as Error).message}`;
  }
}

declare global {
  interface Window {
    zoo: { classify: typeof classify; classifyPretrained: typeof classifyPretrained };
  }
}

window.zoo = { classify, classifyPretrained };
if (new URLSearchParams(location.search).has('demo')) void demo();
