import * as tf from '@tensorflow/tfjs';
import { groupedConv2d } from './grouped-conv2d';
import { createInitializer, deriveSeed, type KernelInitializerName } from './initializers';
import { localResponseNormalization } from './lrn';

/** Activations a spec layer may apply. */
export type SpecActivation = 'relu' | 'sigmoid' | 'tanh' | 'linear' | 'softmax';

/**
 * One layer of a sequential network, as plain data. Architectures are written as lists of these so
 * that their shapes, parameter counts and smallest valid input can be computed without building
 * (and without allocating 46 million weights) — see {@link specShapes} and {@link minInputSize}.
 */
export type LayerSpec =
  | { kind: 'zeroPad'; name: string; padding: number }
  | {
      kind: 'conv';
      name: string;
      filters: number;
      kernelSize: number;
      strides: number;
      padding: 'same' | 'valid';
      activation: SpecActivation;
      /** Channel groups (2012 AlexNet's two-GPU split). Default: 1. */
      groups?: number;
    }
  | { kind: 'pool'; name: string; mode: 'max' | 'avg'; poolSize: number; strides: number; padding: 'same' | 'valid' }
  | { kind: 'lrn'; name: string }
  | { kind: 'flatten'; name: string }
  | { kind: 'dense'; name: string; units: number; activation: SpecActivation }
  | { kind: 'dropout'; name: string; rate: number };

/** A layer's output shape (without the batch axis) and parameter count, computed from its spec. */
export interface SpecShape {
  name: string;
  kind: LayerSpec['kind'];
  shape: number[];
  params: number;
}

function side(size: number, kernel: number, stride: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1;
}

/**
 * Output shape and parameters of every layer for an NHWC input of `inputShape` = [height, width,
 * channels]. A layer whose output would have a side below 1 gets that (non-positive) side, so callers
 * can tell exactly where an input is too small.
 */
export function specShapes(specs: readonly LayerSpec[], inputShape: readonly number[]): SpecShape[] {
  let shape = [...inputShape];
  return specs.map((spec) => {
    let params = 0;
    switch (spec.kind) {
      case 'zeroPad':
        shape = [shape[0] + 2 * spec.padding, shape[1] + 2 * spec.padding, shape[2]];
        break;
      case 'conv': {
        const groups = spec.groups ?? 1;
        params = spec.kernelSize * spec.kernelSize * (shape[2] / groups) * spec.filters + spec.filters;
        shape = [
          side(shape[0], spec.kernelSize, spec.strides, spec.padding),
          side(shape[1], spec.kernelSize, spec.strides, spec.padding),
          spec.filters,
        ];
        break;
      }
      case 'pool':
        shape = [side(shape[0], spec.poolSize, spec.strides, spec.padding), side(shape[1], spec.poolSize, spec.strides, spec.padding), shape[2]];
        break;
      case 'flatten':
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'dense':
        params = shape[shape.length - 1] * spec.units + spec.units;
        shape = [...shape.slice(0, -1), spec.units];
        break;
      case 'lrn':
      case 'dropout':
        break;
    }
    return { name: spec.name, kind: spec.kind, shape: [...shape], params };
  });
}

/** Total parameters of a spec list for an input of `inputShape` = [height, width, channels]. */
export function specParamCount(specs: readonly LayerSpec[], inputShape: readonly number[]): number {
  return specShapes(specs, inputShape).reduce((sum, layer) => sum + layer.params, 0);
}

/** Whether every layer's output has all sides >= 1 for this input. */
export function specFits(specs: readonly LayerSpec[], inputShape: readonly number[]): boolean {
  return specShapes(specs, inputShape).every((layer) => layer.shape.every((d) => d >= 1));
}

/**
 * The smallest square input side for which every layer has a non-empty output: strides and valid
 * pooling shrink the image, so a network has a floor below which it cannot run.
 */
export function minInputSize(specs: readonly LayerSpec[], inChannels = 1, limit = 4096): number {
  for (let size = 1; size <= limit; size++) {
    if (specFits(specs, [size, size, inChannels])) return size;
  }
  throw new RangeError(`minInputSize: no input side up to ${limit} fits these layers`);
}

/** How {@link buildSequential} creates weights and names the model. */
export interface BuildOptions {
  /** The model's name. Required. */
  name: string;
  /** [height, width, channels] of one example. Required. */
  inputShape: [number, number, number];
  /** Initialiser of conv and dense kernels. Default: `glorotUniform`. Biases start at zero. */
  kernelInitializer?: KernelInitializerName;
  /** Model seed; each layer draws from its own seed derived from this and its name. Default: none (random). */
  seed?: number;
}

/** A `tf.Sequential` model from a spec list; layer names are the specs' names. */
export function buildSequential(specs: readonly LayerSpec[], options: BuildOptions): tf.Sequential {
  const init = options.kernelInitializer ?? 'glorotUniform';
  const layers: tf.layers.Layer[] = [];
  for (const [index, spec] of specs.entries()) {
    const seed = deriveSeed(options.seed, spec.name);
    // The first layer carries the input shape, so `model.layers` is exactly the spec list.
    const base = index === 0 ? { name: spec.name, inputShape: options.inputShape } : { name: spec.name };
    switch (spec.kind) {
      case 'zeroPad':
        layers.push(tf.layers.zeroPadding2d({ ...base, padding: spec.padding }));
        break;
      case 'conv':
        if ((spec.groups ?? 1) > 1) {
          if (spec.activation !== 'relu' && spec.activation !== 'linear') {
            throw new RangeError(`buildSequential: grouped conv '${spec.name}' supports relu or linear; received '${spec.activation}'`);
          }
          layers.push(
            groupedConv2d({
              ...base,
              filters: spec.filters,
              kernelSize: spec.kernelSize,
              strides: spec.strides,
              padding: spec.padding,
              groups: spec.groups,
              activation: spec.activation,
              kernelInitializer: init,
              seed,
            }),
          );
        } else {
          layers.push(
            tf.layers.conv2d({
              ...base,
              filters: spec.filters,
              kernelSize: spec.kernelSize,
              strides: spec.strides,
              padding: spec.padding,
              activation: spec.activation,
              kernelInitializer: createInitializer(init, seed),
              biasInitializer: 'zeros',
            }),
          );
        }
        break;
      case 'pool': {
        const args = { ...base, poolSize: spec.poolSize, strides: spec.strides, padding: spec.padding };
        layers.push(spec.mode === 'max' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args));
        break;
      }
      case 'lrn':
        layers.push(localResponseNormalization(base));
        break;
      case 'flatten':
        layers.push(tf.layers.flatten(base));
        break;
      case 'dense':
        layers.push(
          tf.layers.dense({
            ...base,
            units: spec.units,
            activation: spec.activation,
            kernelInitializer: createInitializer(init, seed),
            biasInitializer: 'zeros',
          }),
        );
        break;
      case 'dropout':
        // No seed: a seeded tf dropout draws the same mask on every step, which is not dropout.
        layers.push(tf.layers.dropout({ ...base, rate: spec.rate }));
        break;
    }
  }
  return tf.sequential({ name: options.name, layers });
}
