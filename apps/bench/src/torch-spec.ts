import type * as tf from '@tensorflow/tfjs';

/** Padding in `torch.nn.functional.pad` order: left, right, top, bottom. */
export type Pad4 = [number, number, number, number];

/**
 * A layer of the PyTorch peer, in NCHW terms, with every padding made explicit so the Python side
 * needs no knowledge of TF's `same` rule (asymmetric when the stride does not divide the input).
 */
export type TorchLayer =
  | { kind: 'conv'; name: string; inChannels: number; outChannels: number; kernel: number; stride: number; pad: Pad4; groups: number }
  | { kind: 'act'; name: string; fn: 'relu' | 'sigmoid' | 'tanh' }
  | { kind: 'pool'; name: string; mode: 'max' | 'avg'; kernel: number; stride: number; pad: Pad4 }
  | { kind: 'pad'; name: string; pad: Pad4 }
  | { kind: 'lrn'; name: string; depthRadius: number; bias: number; alpha: number; beta: number }
  | { kind: 'flatten'; name: string }
  | { kind: 'dense'; name: string; inFeatures: number; outFeatures: number }
  | { kind: 'dropout'; name: string; rate: number };

/** What the peer builds: the same layers, same shapes, same batch. */
export interface TorchModelSpec {
  name: string;
  inputSize: number;
  inChannels: number;
  numClasses: number;
  layers: TorchLayer[];
}

/** The layer kind the peer cannot build, with the class name it was given. */
export class UnsupportedLayerError extends Error {
  override name = 'UnsupportedLayerError';
}

/** TF's `same` padding for one axis: total `max((ceil(in/s) - 1) * s + k - in, 0)`, the odd one at the end. */
export function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

function padFor(padding: unknown, h: number, w: number, kernel: number, stride: number): Pad4 {
  if (padding !== 'same') return [0, 0, 0, 0];
  const [top, bottom] = samePadding(h, kernel, stride);
  const [left, right] = samePadding(w, kernel, stride);
  return [left, right, top, bottom];
}

function scalar(value: unknown, what: string): number {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== 'number') throw new UnsupportedLayerError(`${what}: expected a number, received ${JSON.stringify(value)}`);
  if (Array.isArray(value) && value.some((x) => x !== v)) {
    throw new UnsupportedLayerError(`${what}: non-square ${JSON.stringify(value)} is not supported by the peer`);
  }
  return v;
}

function activation(name: string, fn: unknown): TorchLayer[] {
  if (fn === undefined || fn === null || fn === 'linear' || fn === 'softmax') {
    // The peer trains on logits with CrossEntropyLoss, which is softmax + NLL in one op, as is the
    // zoo side's softmaxCrossEntropy; a trailing softmax layer has nothing left to do.
    return [];
  }
  if (fn === 'relu' || fn === 'sigmoid' || fn === 'tanh') return [{ kind: 'act', name: `${name}_${fn}`, fn }];
  throw new UnsupportedLayerError(`layer '${name}': activation '${String(fn)}' is not supported by the peer`);
}

/** Minimal view of a built tf.js layer, so this module is testable without a backend. */
export interface LayerLike {
  name: string;
  getClassName(): string;
  getConfig(): tf.serialization.ConfigDict;
  /** `[null, h, w, c]` for images, `[null, n]` for vectors. */
  outputShape: tf.Shape | tf.Shape[];
}

function shapeOf(shape: tf.Shape | tf.Shape[]): number[] {
  const s = (Array.isArray(shape[0]) ? shape[0] : shape) as tf.Shape;
  return s.slice(1).map((d) => (d === null ? -1 : d));
}

/**
 * Translates a built sequential tf.js model into the layer list the PyTorch peer builds.
 * `inputShape` is the model's, with the batch axis (`model.inputs[0].shape`); each layer's input is
 * the previous one's output, because tf.js leaves `layer.inputShape` unset inside a Sequential.
 */
export function torchSpec(name: string, inputShape: tf.Shape, layers: readonly LayerLike[]): TorchModelSpec {
  const out: TorchLayer[] = [];
  const input = shapeOf(inputShape);
  let last = input;
  for (const layer of layers) {
    const cls = layer.getClassName();
    const config = layer.getConfig();
    const inShape = last;
    last = shapeOf(layer.outputShape);
    const [h, w, c] = inShape;
    switch (cls) {
      case 'InputLayer':
        break;
      case 'Conv2D':
      case 'GroupedConv2D': {
        const kernel = scalar(config.kernelSize, `${layer.name}.kernelSize`);
        const stride = scalar(config.strides ?? 1, `${layer.name}.strides`);
        const dilation = scalar(config.dilationRate ?? 1, `${layer.name}.dilationRate`);
        if (dilation !== 1) throw new UnsupportedLayerError(`layer '${layer.name}': dilation ${dilation} is not supported by the peer`);
        out.push({
          kind: 'conv',
          name: layer.name,
          inChannels: c,
          outChannels: config.filters as number,
          kernel,
          stride,
          pad: padFor(config.padding, h, w, kernel, stride),
          groups: typeof config.groups === 'number' ? config.groups : 1,
        });
        out.push(...activation(layer.name, config.activation));
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const kernel = scalar(config.poolSize, `${layer.name}.poolSize`);
        const stride = scalar(config.strides ?? kernel, `${layer.name}.strides`);
        out.push({
          kind: 'pool',
          name: layer.name,
          mode: cls === 'MaxPooling2D' ? 'max' : 'avg',
          kernel,
          stride,
          pad: padFor(config.padding, h, w, kernel, stride),
        });
        break;
      }
      case 'ZeroPadding2D': {
        const p = config.padding as number | [number, number] | [[number, number], [number, number]];
        let pad: Pad4;
        if (typeof p === 'number') pad = [p, p, p, p];
        else if (typeof p[0] === 'number') pad = [p[1] as number, p[1] as number, p[0] as number, p[0] as number];
        else {
          const [[top, bottom], [left, right]] = p as [[number, number], [number, number]];
          pad = [left, right, top, bottom];
        }
        out.push({ kind: 'pad', name: layer.name, pad });
        break;
      }
      case 'LocalResponseNormalization':
        out.push({
          kind: 'lrn',
          name: layer.name,
          depthRadius: config.depthRadius as number,
          bias: config.bias as number,
          alpha: config.alpha as number,
          beta: config.beta as number,
        });
        break;
      case 'Flatten':
        out.push({ kind: 'flatten', name: layer.name });
        break;
      case 'Dense':
        out.push({ kind: 'dense', name: layer.name, inFeatures: inShape[inShape.length - 1], outFeatures: config.units as number });
        out.push(...activation(layer.name, config.activation));
        break;
      case 'Dropout':
        out.push({ kind: 'dropout', name: layer.name, rate: config.rate as number });
        break;
      case 'Activation':
      case 'ReLU':
        out.push(...activation(layer.name, cls === 'ReLU' ? 'relu' : config.activation));
        break;
      default:
        throw new UnsupportedLayerError(`layer '${layer.name}': ${cls} is not supported by the PyTorch peer`);
    }
  }
  if (input.length !== 3) {
    throw new UnsupportedLayerError(`model '${name}': expected an image input [h, w, c], received ${JSON.stringify(input)}`);
  }
  return { name, inputSize: input[0], inChannels: input[2], numClasses: last[last.length - 1], layers: out };
}
