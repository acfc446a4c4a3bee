import * as tf from '@tensorflow/tfjs';
import { formatBytes, formatCount } from './format';

/** One layer of a {@link ModelDescription}. Shapes include the batch axis. */
export interface LayerDescription {
  name: string;
  /** The layer's serialization class, e.g. `Conv2D`, `Dense`, `LocalResponseNormalization`. */
  className: string;
  inputShape: number[];
  outputShape: number[];
  /** Weights, trainable or not. */
  params: number;
  /** Multiply-accumulates of one forward pass; zero for layers without a kernel. */
  macs: number;
  /**
   * Forward floating-point operations: `2 * macs` for convolutions and dense layers (bias and fused
   * activation not counted, as is customary); one per element operation for pooling, activations and
   * normalisation (an estimate: they are not where the time goes).
   */
  flops: number;
  weightBytes: number;
  /** Bytes of the layer's input tensor(s). */
  inputBytes: number;
  /** Bytes of the layer's output tensor. */
  activationBytes: number;
}

/** What {@link describeModel} returns. */
export interface ModelDescription {
  name: string;
  /** The input shape analysed, batch axis first. */
  inputShape: number[];
  layers: LayerDescription[];
  totals: {
    params: number;
    macs: number;
    flops: number;
    weightBytes: number;
    /** Sum of every layer's output: what a training step keeps alive for the backward pass. */
    activationBytes: number;
  };
}

const KERNEL_CLASSES = new Set(['Conv1D', 'Conv2D', 'Conv3D', 'DepthwiseConv2D', 'Dense', 'GroupedConv2D']);
const POOL_CLASSES = new Set(['MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D']);
const ELEMENTWISE_CLASSES = new Set(['Activation', 'ReLU', 'LeakyReLU', 'ELU', 'PReLU', 'Softmax', 'ThresholdedReLU', 'Add', 'Multiply', 'Average', 'Maximum', 'Minimum']);

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

function bytesPerElement(dtype: string): number {
  return dtype === 'bool' ? 1 : 4;
}

function firstShape(shape: tf.Shape | tf.Shape[]): tf.Shape {
  return (Array.isArray(shape[0]) ? shape[0] : shape) as tf.Shape;
}

function withBatch(shape: tf.Shape, batch: number): number[] {
  return shape.map((d, i) => (i === 0 ? batch : (d as number)));
}

function layerCost(layer: tf.layers.Layer, inputShape: number[], outputShape: number[]): { macs: number; flops: number } {
  const className = layer.getClassName();
  const outElements = product(outputShape);
  if (KERNEL_CLASSES.has(className)) {
    // Every kernel element is used once per output position: for dense, plain, grouped (one kernel
    // per group) and depthwise convolutions alike, MACs = positions x kernel elements.
    const kernelElements = layer.weights.filter((w) => /kernel(_\d+)?$/.test(w.originalName)).reduce((sum, w) => sum + product(w.shape as number[]), 0);
    const outChannels = outputShape[outputShape.length - 1];
    const macs = (outElements / outChannels) * kernelElements;
    return { macs, flops: 2 * macs };
  }
  if (POOL_CLASSES.has(className)) {
    const poolSize = layer.getConfig().poolSize;
    const window = Array.isArray(poolSize) ? product(poolSize as number[]) : Number(poolSize);
    return { macs: 0, flops: outElements * window };
  }
  if (className === 'LocalResponseNormalization') {
    const radius = Number(layer.getConfig().depthRadius);
    // window sum of squares, then scale, offset, power and divide
    return { macs: 0, flops: outElements * (2 * radius + 1 + 5) };
  }
  if (className === 'BatchNormalization') return { macs: 0, flops: 2 * outElements };
  if (className.startsWith('GlobalAveragePooling') || className.startsWith('GlobalMaxPooling')) {
    return { macs: 0, flops: product(inputShape) };
  }
  if (ELEMENTWISE_CLASSES.has(className)) return { macs: 0, flops: outElements };
  return { macs: 0, flops: 0 };
}

/**
 * Per layer: output shape, parameters, forward MACs and FLOPs, weight bytes and activation bytes, and
 * their totals. `inputShape` is the model's input with a batch axis first (e.g. `[1, 224, 224, 1]`);
 * without it, batch 1. Layers' own input shapes come from the model graph, so any single-input model
 * works, not only sequential ones.
 */
export function describeModel(model: tf.LayersModel, inputShape?: readonly number[]): ModelDescription {
  const declared = firstShape(model.inputs[0].shape);
  const batch = inputShape?.[0] ?? 1;
  if (inputShape !== undefined) {
    const matches =
      inputShape.length === declared.length &&
      Number.isInteger(batch) &&
      batch >= 1 &&
      inputShape.every((d, i) => i === 0 || declared[i] === null || declared[i] === d);
    if (!matches) {
      throw new RangeError(
        `describeModel: inputShape must be [batch, ${declared.slice(1).join(', ')}] for model '${model.name}' (batch an integer >= 1); received [${inputShape.join(', ')}]`,
      );
    }
  }
  const layers: LayerDescription[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const node = layer.inboundNodes[0];
    const inShapes = (Array.isArray(node.inputShapes[0]) ? node.inputShapes : [node.inputShapes]) as tf.Shape[];
    const inputShapes = inShapes.map((s) => withBatch(s, batch));
    const outputShape = withBatch(firstShape(layer.outputShape), batch);
    const { macs, flops } = layerCost(layer, inputShapes[0], outputShape);
    layers.push({
      name: layer.name,
      className: layer.getClassName(),
      inputShape: inputShapes[0],
      outputShape,
      params: layer.countParams(),
      macs,
      flops,
      weightBytes: layer.weights.reduce((sum, w) => sum + product(w.shape as number[]) * bytesPerElement(w.dtype), 0),
      inputBytes: inputShapes.reduce((sum, s) => sum + product(s) * 4, 0),
      activationBytes: product(outputShape) * 4,
    });
  }
  const sum = (key: 'params' | 'macs' | 'flops' | 'weightBytes' | 'activationBytes'): number => layers.reduce((total, l) => total + l[key], 0);
  return {
    name: model.name,
    inputShape: withBatch(declared, batch),
    layers,
    totals: { params: sum('params'), macs: sum('macs'), flops: sum('flops'), weightBytes: sum('weightBytes'), activationBytes: sum('activationBytes') },
  };
}

/** A fixed-width table of a {@link ModelDescription}, one row per layer and a total row. */
export function formatDescription(description: ModelDescription): string {
  const header = ['layer', 'class', 'output', 'params', 'MACs', 'FLOPs', 'weights', 'activations'];
  const rows = description.layers.map((l) => [
    l.name,
    l.className,
    l.outputShape.join('x'),
    l.params.toLocaleString('en-US'),
    formatCount(l.macs),
    formatCount(l.flops),
    formatBytes(l.weightBytes),
    formatBytes(l.activationBytes),
  ]);
  const t = description.totals;
  rows.push(['total', '', '', t.params.toLocaleString('en-US'), formatCount(t.macs), formatCount(t.flops), formatBytes(t.weightBytes), formatBytes(t.activationBytes)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
