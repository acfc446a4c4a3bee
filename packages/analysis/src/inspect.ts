import * as tf from '@tensorflow/tfjs';

/**
 * An RGBA picture made of equal tiles (one per filter or feature map), in the layout of the DOM's
 * ImageData, so a page can `putImageData` it and Node can encode it as PNG without conversion.
 */
export interface ImageGrid {
  width: number;
  height: number;
  /** RGBA, row-major, `width * height * 4` bytes. */
  data: Uint8ClampedArray;
  tiles: number;
  columns: number;
  rows: number;
  /** Size of one tile in pixels, after scaling. */
  tileWidth: number;
  tileHeight: number;
}

/** One convolution of a model: the layers that hold a rank-4 kernel, in model order. */
export interface ConvLayerInfo {
  name: string;
  /** Position in `model.layers`. */
  index: number;
  kernelHeight: number;
  kernelWidth: number;
  /** Input channels one filter sees (per group for grouped convolutions). */
  inChannels: number;
  filters: number;
}

export interface GridOptions {
  /** Pixels per weight or activation (nearest-neighbour). Default 1 for feature maps, 4 for filters. */
  scale?: number;
  /** Pixels between tiles, filled with `background`. Default 1. */
  gap?: number;
  /** Tiles per row. Default: the smallest count that makes the grid at least as wide as it is tall. */
  columns?: number;
  /** Gap colour, RGB 0–255. Default white. */
  background?: [number, number, number];
}

export interface FilterGridOptions extends GridOptions {
  /** Which convolution; default the first. */
  layer?: string;
}

export interface FeatureMaps {
  layer: string;
  /** The activation's shape for the one image: [height, width, channels]. */
  shape: [number, number, number];
  grid: ImageGrid;
}

export interface FeatureMapOptions extends GridOptions {
  /** Which convolutions; default every one. */
  layers?: string[];
}

/** The model's convolutions (Conv2D and any custom layer with a 4-D kernel, such as grouped convolutions). */
export function convLayers(model: tf.LayersModel): ConvLayerInfo[] {
  const out: ConvLayerInfo[] = [];
  model.layers.forEach((layer, index) => {
    const kernel = layer.getWeights()[0];
    if (kernel === undefined || kernel.rank !== 4) return;
    const [kernelHeight, kernelWidth, inChannels, filters] = kernel.shape;
    out.push({ name: layer.name, index, kernelHeight, kernelWidth, inChannels, filters });
  });
  return out;
}

function pickConv(model: tf.LayersModel, name: string | undefined): ConvLayerInfo {
  const convs = convLayers(model);
  if (convs.length === 0) throw new Error(`model "${model.name}" has no convolution (no layer with a 4-D kernel)`);
  if (name === undefined) return convs[0];
  const found = convs.find((c) => c.name === name);
  if (found === undefined) {
    throw new Error(`layer: expected the name of a convolution of "${model.name}" (${convs.map((c) => c.name).join(', ')}), got "${name}"`);
  }
  return found;
}

function checkGridOptions(o: GridOptions, defaultScale: number): Required<Omit<GridOptions, 'columns'>> & { columns?: number } {
  const scale = o.scale ?? defaultScale;
  const gap = o.gap ?? 1;
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new Error(`scale: expected an integer from 1 to 64, got ${String(o.scale)}`);
  if (!Number.isInteger(gap) || gap < 0 || gap > 64) throw new Error(`gap: expected an integer from 0 to 64, got ${String(o.gap)}`);
  if (o.columns !== undefined && (!Number.isInteger(o.columns) || o.columns < 1)) {
    throw new Error(`columns: expected a positive integer, got ${String(o.columns)}`);
  }
  return { scale, gap, columns: o.columns, background: o.background ?? [255, 255, 255] };
}

/**
 * Tiles `count` pictures of `h x w` pixels; `pixel(tile, y, x)` gives each pixel's RGB in 0–255.
 * Nearest-neighbour scaling keeps single weights visible as blocks, as in the AlexNet paper's figure.
 */
function tile(count: number, h: number, w: number, opts: GridOptions, defaultScale: number, pixel: (t: number, y: number, x: number) => [number, number, number]): ImageGrid {
  const { scale, gap, background } = checkGridOptions(opts, defaultScale);
  const columns = Math.min(count, opts.columns ?? Math.ceil(Math.sqrt((count * h) / w)));
  const rows = Math.ceil(count / columns);
  const tileWidth = w * scale;
  const tileHeight = h * scale;
  const width = columns * tileWidth + (columns - 1) * gap;
  const height = rows * tileHeight + (rows - 1) * gap;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[i * 4] = background[0];
    data[i * 4 + 1] = background[1];
    data[i * 4 + 2] = background[2];
    data[i * 4 + 3] = 255;
  }
  for (let t = 0; t < count; t++) {
    const x0 = (t % columns) * (tileWidth + gap);
    const y0 = Math.floor(t / columns) * (tileHeight + gap);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const rgb = pixel(t, y, x);
        for (let dy = 0; dy < scale; dy++) {
          let p = ((y0 + y * scale + dy) * width + x0 + x * scale) * 4;
          for (let dx = 0; dx < scale; dx++, p += 4) {
            data[p] = rgb[0];
            data[p + 1] = rgb[1];
            data[p + 2] = rgb[2];
          }
        }
      }
    }
  }
  return { width, height, data, tiles: count, columns, rows, tileWidth, tileHeight };
}

/**
 * The filters of one convolution as a picture: one tile per filter, grey for one input channel, colour
 * for three (as the paper's figure of conv1), the mean over channels otherwise. Each filter is scaled
 * on its own, symmetrically about zero (mid-grey is 0), so its pattern shows whatever its norm.
 */
export function filterGrid(model: tf.LayersModel, options: FilterGridOptions = {}): ImageGrid {
  const conv = pickConv(model, options.layer);
  const kernel = model.layers[conv.index].getWeights()[0];
  const w = kernel.dataSync();
  const { kernelHeight: kh, kernelWidth: kw, inChannels: cin, filters: cout } = conv;
  const at = (y: number, x: number, c: number, f: number): number => w[((y * kw + x) * cin + c) * cout + f];
  const absMax = new Float64Array(cout);
  for (let i = 0; i < w.length; i++) absMax[i % cout] = Math.max(absMax[i % cout], Math.abs(w[i]));
  const grey = (v: number, f: number): number => (absMax[f] === 0 ? 128 : 127.5 + (127.5 * v) / absMax[f]);
  return tile(cout, kh, kw, options, 4, (f, y, x) => {
    if (cin === 3) return [grey(at(y, x, 0, f), f), grey(at(y, x, 1, f), f), grey(at(y, x, 2, f), f)];
    let sum = 0;
    for (let c = 0; c < cin; c++) sum += at(y, x, c, f);
    const g = grey(sum / cin, f);
    return [g, g, g];
  });
}

/** Tiles the channels of one `[h, w, c]` activation; each channel min–max scaled on its own (black low, white high). */
export function activationGrid(values: Float32Array | Int32Array | Uint8Array, shape: [number, number, number], options: GridOptions = {}): ImageGrid {
  const [h, w, c] = shape;
  if (values.length !== h * w * c) throw new Error(`values: expected ${h * w * c} numbers for shape [${shape.join(', ')}], got ${values.length}`);
  const lo = new Float64Array(c).fill(Infinity);
  const hi = new Float64Array(c).fill(-Infinity);
  for (let i = 0; i < values.length; i++) {
    const ch = i % c;
    lo[ch] = Math.min(lo[ch], values[i]);
    hi[ch] = Math.max(hi[ch], values[i]);
  }
  return tile(c, h, w, options, 1, (ch, y, x) => {
    const v = values[(y * w + x) * c + ch];
    const g = hi[ch] > lo[ch] ? (255 * (v - lo[ch])) / (hi[ch] - lo[ch]) : 0;
    return [g, g, g];
  });
}

/**
 * What every convolution of the model (or those named) outputs for one image, each as a grid of
 * its channels. `image` is one preprocessed input, `[h, w, c]` or `[1, h, w, c]`, as the model takes it.
 */
export function featureMaps(model: tf.LayersModel, image: tf.Tensor, options: FeatureMapOptions = {}): FeatureMaps[] {
  const convs = convLayers(model);
  const wanted = options.layers === undefined ? convs : options.layers.map((n) => pickConv(model, n));
  if (wanted.length === 0) throw new Error(`model "${model.name}" has no convolution (no layer with a 4-D kernel)`);
  const expected = model.inputs[0].shape.slice(1);
  const batchShape = image.rank === 3 ? [1, ...image.shape] : image.shape;
  if (batchShape.length !== 4 || batchShape[0] !== 1 || batchShape.slice(1).some((d, i) => expected[i] !== null && expected[i] !== d)) {
    throw new Error(`image: expected one input of shape [${expected.join(', ')}] (or [1, …]), got [${image.shape.join(', ')}]`);
  }
  const outputs = wanted.map((c) => model.layers[c.index].output as tf.SymbolicTensor);
  const probe = tf.model({ inputs: model.inputs, outputs });
  const acts = tf.tidy(() => {
    const out = probe.predict(image.reshape(batchShape)) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(out) ? out : [out]).map((t) => tf.keep(t));
  });
  try {
    return wanted.map((c, i) => {
      const [, h, w, ch] = acts[i].shape;
      const shape: [number, number, number] = [h, w, ch];
      return { layer: c.name, shape, grid: activationGrid(acts[i].dataSync() as Float32Array, shape, options) };
    });
  } finally {
    tf.dispose(acts);
  }
}
