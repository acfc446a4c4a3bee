import type * as tf from '@tensorflow/tfjs';
import {
  checkIntegerList,
  checkOneOf,
  defineFamily,
  type CommonModelConfig,
  type LayerSpec,
  type ModelFamily,
  type ModelInfo,
  type ResolvedCommonConfig,
  type VariantRow,
} from '@zoo/layers';

/** AlexNet variants, by registry name. */
export const ALEXNET_VARIANTS = ['alexnet', 'alexnet-classic', 'alexnet-mini'] as const;
export type AlexNetVariant = (typeof ALEXNET_VARIANTS)[number];

/** Config of {@link alexnet}. Defaults are per variant; see {@link ALEXNET_MODELS}. */
export interface AlexNetConfig extends CommonModelConfig {
  /** Which variant to build. Default: `alexnet`. */
  variant?: AlexNetVariant;
  /**
   * Filters of conv1..conv5. Default: `[96, 256, 384, 384, 256]` for `alexnet` and `alexnet-classic`,
   * `[24, 48, 64, 64, 48]` for `alexnet-mini`.
   */
  filters?: [number, number, number, number, number];
  /** Units of fc1 and fc2. Default: `[4096, 4096]`; `[256, 256]` for `alexnet-mini`. */
  units?: [number, number];
  /**
   * Channel groups of conv2, conv4 and conv5: 2 is the paper's two-GPU split (each half sees only the
   * half of the previous layer on its own GPU). Default: 2 for `alexnet-classic`, else 1.
   */
  groups?: 1 | 2;
  /** Local response normalisation after conv1 and conv2. Default: true for `alexnet-classic`, else false. */
  lrn?: boolean;
}

interface AlexNetRow extends VariantRow {
  filters: number[];
  units: number[];
  /** Kernel sides of conv1..conv5; conv2..conv5 are 'same'-padded at stride 1. */
  kernels: number[];
  conv1Stride: number;
  /** Zero padding before conv1. */
  conv1Padding: number;
  /** [size, stride] of pool1..pool3, all 'valid'. */
  pools: Array<[number, number]>;
  groups: 1 | 2;
  lrn: boolean;
}

const PAPER = 'Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep Convolutional Neural Networks", NeurIPS 2012';
const D2L = 'Zhang, Lipton, Li & Smola, Dive into Deep Learning, section 8.1 "Deep Convolutional Neural Networks (AlexNet)" (2023)';

/** D2L's AlexNet: the one the other variants are told apart from. */
const ALEXNET: AlexNetRow = {
  description: 'AlexNet as D2L builds it for Fashion-MNIST upscaled to 224x224: one tower, no LRN, 1 channel, 10 classes',
  citation: `${PAPER}; ${D2L}`,
  inputSize: 224,
  inChannels: 1,
  numClasses: 10,
  dropout: 0.5,
  filters: [96, 256, 384, 384, 256],
  units: [4096, 4096],
  kernels: [11, 5, 3, 3, 3],
  conv1Stride: 4,
  conv1Padding: 1,
  pools: [[3, 2], [3, 2], [3, 2]],
  groups: 1,
  lrn: false,
  training: { optimizer: 'sgd', learningRate: 0.01, batchSize: 128, epochs: 10, source: 'D2L 8.1 (train_ch6, lr 0.01, batch 128, 10 epochs)' },
};

/** The variants as data: one row each, fed to the one builder below. */
const ROWS: Record<AlexNetVariant, AlexNetRow> = {
  alexnet: ALEXNET,
  // The paper's network is D2L's plus the paper's input, LRN, two-GPU groups, classes and recipe.
  'alexnet-classic': {
    ...ALEXNET,
    // The paper says 224x224x3, but 11x11 at stride 4 only yields its 55x55 conv1 map from 227 (an
    // erratum Caffe's reference model adopted); 227 with no padding reproduces every shape in the paper.
    description: 'AlexNet as in the 2012 paper: 227x227x3 input, LRN after conv1 and conv2, conv2/4/5 split in two groups, 1000 classes',
    citation: PAPER,
    inputSize: 227,
    inChannels: 3,
    numClasses: 1000,
    conv1Padding: 0,
    groups: 2,
    lrn: true,
    training: {
      optimizer: 'momentum',
      learningRate: 0.01,
      momentum: 0.9,
      weightDecay: 5e-4,
      batchSize: 128,
      epochs: 90,
      source: 'the 2012 paper, section 5 (lr divided by 10 when validation error plateaus)',
    },
  },
  'alexnet-mini': {
    // D2L 8.1 exercise: "design a better model that works directly on 28x28 images". The same five
    // convolutions, three max-pools and dropout head, with 3x3 kernels at stride 1 (an 11x11/4 stem
    // would throw away most of a 28-pixel image) and widths cut to ~7 MMAC per image, so that a few
    // epochs fit in minutes on two CPU cores.
    description: "AlexNet's design scaled to 28x28 inputs: five 3x3 convolutions, three max-pools, a dropout-regularised 256-256 head",
    citation: `${PAPER}; ${D2L}, exercise 8.1`,
    inputSize: 28,
    inChannels: 1,
    numClasses: 10,
    // 0.5 regularises a 282k-parameter network trained for four epochs into underfitting (its
    // training accuracy stayed below its test accuracy); 0.3 reached 0.90 sooner.
    dropout: 0.3,
    filters: [24, 48, 64, 64, 48],
    units: [256, 256],
    kernels: [3, 3, 3, 3, 3],
    conv1Stride: 1,
    conv1Padding: 1,
    pools: [[2, 2], [2, 2], [3, 2]],
    groups: 1,
    lrn: false,
    // The recipe of the shipped weights (packages/models/scripts/train-pretrained.ts). Four epochs of
    // Adam with one lr drop reached 0.910 without augmentation; flip/crop and a longer cosine decay
    // let it keep improving past the point where it started to overfit.
    training: {
      optimizer: 'adam',
      learningRate: 1e-3,
      lrSchedule: 'cosine',
      augment: { flip: true, crop: 2 },
      batchSize: 64,
      epochs: 24,
      seed: 1,
      source: 'zoo: measured on Fashion-MNIST with packages/models/scripts/train-pretrained.ts (wasm backend, 2 CPU cores)',
    },
  },
};

/** The family's own config fields, checked. */
interface Own {
  filters: number[];
  units: number[];
  groups: 1 | 2;
  lrn: boolean;
}

function layerSpecs(row: AlexNetRow, c: Own, { numClasses, dropout, classifierActivation }: ResolvedCommonConfig): LayerSpec[] {
  const { filters: f, groups } = c;
  const [k1, k2, k3, k4, k5] = row.kernels;
  const conv = (name: string, filters: number, kernelSize: number, grouped: boolean): LayerSpec => ({
    kind: 'conv',
    name,
    filters,
    kernelSize,
    strides: 1,
    padding: 'same',
    activation: 'relu',
    groups: grouped ? groups : 1,
  });
  const pool = (name: string, [size, stride]: [number, number]): LayerSpec => ({ kind: 'pool', name, mode: 'max', poolSize: size, strides: stride, padding: 'valid' });
  const conv1Same = row.conv1Stride === 1 && 2 * row.conv1Padding === k1 - 1;
  return [
    ...(row.conv1Padding > 0 && !conv1Same ? [{ kind: 'zeroPad', name: 'pad1', padding: row.conv1Padding } as const] : []),
    { kind: 'conv', name: 'conv1', filters: f[0], kernelSize: k1, strides: row.conv1Stride, padding: conv1Same ? 'same' : 'valid', activation: 'relu' },
    ...(c.lrn ? [{ kind: 'lrn', name: 'norm1' } as const] : []),
    pool('pool1', row.pools[0]),
    conv('conv2', f[1], k2, true),
    ...(c.lrn ? [{ kind: 'lrn', name: 'norm2' } as const] : []),
    pool('pool2', row.pools[1]),
    conv('conv3', f[2], k3, false),
    conv('conv4', f[3], k4, true),
    conv('conv5', f[4], k5, true),
    pool('pool3', row.pools[2]),
    { kind: 'flatten', name: 'flatten' },
    { kind: 'dense', name: 'fc1', units: c.units[0], activation: 'relu' },
    ...(dropout > 0 ? [{ kind: 'dropout', name: 'dropout1', rate: dropout } as const] : []),
    { kind: 'dense', name: 'fc2', units: c.units[1], activation: 'relu' },
    ...(dropout > 0 ? [{ kind: 'dropout', name: 'dropout2', rate: dropout } as const] : []),
    { kind: 'dense', name: 'predictions', units: numClasses, activation: classifierActivation },
  ];
}

function resolve(where: string, config: AlexNetConfig, row: AlexNetRow): Own {
  const filters = checkIntegerList(where, 'filters', config.filters ?? row.filters, 5);
  const units = checkIntegerList(where, 'units', config.units ?? row.units, 2);
  const groups = checkOneOf(where, 'groups', config.groups ?? row.groups, [1, 2] as const);
  const lrn = config.lrn ?? row.lrn;
  if (typeof lrn !== 'boolean') throw new RangeError(`${where}: lrn must be true or false; received ${JSON.stringify(lrn)}`);
  if (groups > 1) {
    // conv2 splits conv1's output, conv4 conv3's, conv5 conv4's; each side must split evenly.
    for (const i of [0, 1, 2, 3, 4]) {
      if (filters[i] % groups !== 0) {
        throw new RangeError(`${where}: with groups ${groups}, every filters entry must be divisible by ${groups}; received filters [${filters.join(', ')}]`);
      }
    }
  }
  return { filters, units, groups, lrn };
}

const FAMILY = defineFamily({ family: 'alexnet', variants: ALEXNET_VARIANTS, rows: ROWS, configKeys: ['filters', 'units', 'groups', 'lrn'], resolve, layers: layerSpecs });

/**
 * AlexNet (Krizhevsky, Sutskever & Hinton 2012) and variants, as channels-last `tf.LayersModel`s
 * with Keras-style layer names (`conv1`…`conv5`, `pool1`…`pool3`, `fc1`, `fc2`, `predictions`):
 *
 * - `alexnet` (default): D2L's, for 1x224x224 Fashion-MNIST, 46,764,746 parameters.
 * - `alexnet-classic`: the paper's, 227x227x3, LRN, two-group conv2/4/5, 1000 classes; 60,965,224.
 * - `alexnet-mini`: the same design for 28x28 images.
 *
 * The `predictions` layer gives softmax probabilities unless `classifierActivation: 'linear'`.
 */
export function alexnet(config: AlexNetConfig = {}): tf.LayersModel {
  return FAMILY.build(config);
}

/** Metadata of every AlexNet variant (defaults, parameters, citation), computed without building. */
export const ALEXNET_MODELS: Readonly<Record<AlexNetVariant, ModelInfo>> = FAMILY.models;

/** The family as the registry (`@zoo/models`) takes it. */
export const ALEXNET_FAMILY: ModelFamily<AlexNetVariant, AlexNetConfig> = FAMILY;
