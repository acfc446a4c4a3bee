import type * as tf from '@tensorflow/tfjs';
import { checkIntegerList, defineFamily, type CommonModelConfig, type LayerSpec, type ModelFamily, type ModelInfo, type ResolvedCommonConfig, type VariantRow } from '@zoo/layers';

/** LeNet variants, by registry name. */
export const LENET_VARIANTS = ['lenet5', 'lenet5-relu', 'lenet5-dropout'] as const;
export type LeNetVariant = (typeof LENET_VARIANTS)[number];

/** Config of {@link lenet}. */
export interface LeNetConfig extends CommonModelConfig {
  /** Which variant to build. Default: `lenet5`. */
  variant?: LeNetVariant;
  /** Filters of conv1 and conv2. Default: `[6, 16]`. */
  filters?: [number, number];
  /** Units of fc1 and fc2. Default: `[120, 84]`. */
  units?: [number, number];
}

interface LeNetRow extends VariantRow {
  activation: 'sigmoid' | 'relu';
  pooling: 'avg' | 'max';
  filters: number[];
  units: number[];
}

const D2L_CITATION = 'Zhang, Lipton, Li & Smola, Dive into Deep Learning, section 7.6 "Convolutional Neural Networks (LeNet)" (2023)';
const LECUN_CITATION = 'LeCun, Bottou, Bengio & Haffner, "Gradient-based learning applied to document recognition", Proc. IEEE 86(11), 1998';

/** What every LeNet variant shares: D2L's 28x28 grey Fashion-MNIST, 10 classes, LeNet-5's widths. */
const LENET5 = { citation: `${LECUN_CITATION}; ${D2L_CITATION}`, inputSize: 28, inChannels: 1, numClasses: 10, filters: [6, 16], units: [120, 84] };

/** The variants as data: one row each, fed to the one builder below. */
const ROWS: Record<LeNetVariant, LeNetRow> = {
  lenet5: {
    ...LENET5,
    description: "LeNet-5 as in D2L: sigmoid activations and average pooling, LeCun's 1998 design without the Gaussian output layer",
    activation: 'sigmoid',
    pooling: 'avg',
    dropout: 0,
    // D2L's settings; its 10 epochs end at 0.808 in PyTorch, still climbing, so the shipped weights train 20.
    training: { optimizer: 'sgd', learningRate: 0.9, batchSize: 256, epochs: 20, seed: 1, source: 'D2L 7.6 (train_ch6, lr 0.9, batch 256), 20 epochs instead of 10' },
  },
  'lenet5-relu': {
    ...LENET5,
    description: 'LeNet-5 modernised: ReLU activations and max pooling (D2L 7.6 exercise)',
    activation: 'relu',
    pooling: 'max',
    dropout: 0,
    // Plain SGD at 0.1 for 10 epochs stops near PyTorch's 0.885; Adam with a cosine decay gets past 0.89.
    training: { optimizer: 'adam', learningRate: 2e-3, lrSchedule: 'cosine', batchSize: 256, epochs: 12, seed: 1, source: "zoo: measured with packages/models/scripts/train-pretrained.ts (D2L's lr 0.9 is tuned for sigmoid and diverges with ReLU)" },
  },
  'lenet5-dropout': {
    ...LENET5,
    description: 'LeNet-5 with ReLU, max pooling and dropout in the dense layers (D2L 7.6 exercise)',
    activation: 'relu',
    pooling: 'max',
    dropout: 0.5,
    // Dropout 0.5 on 120/84 units slows learning down; Adam with a cosine decay makes up for it.
    training: { optimizer: 'adam', learningRate: 2e-3, lrSchedule: 'cosine', batchSize: 256, epochs: 12, seed: 1, source: "zoo: measured with packages/models/scripts/train-pretrained.ts (D2L's lr 0.9 is tuned for sigmoid and diverges with ReLU)" },
  },
};

function layerSpecs(row: LeNetRow, { filters, units }: { filters: number[]; units: number[] }, { numClasses, dropout, classifierActivation: classifier }: ResolvedCommonConfig): LayerSpec[] {
  const pool = (name: string): LayerSpec => ({ kind: 'pool', name, mode: row.pooling, poolSize: 2, strides: 2, padding: 'valid' });
  const head = (name: string, n: number): LayerSpec[] => [
    { kind: 'dense', name, units: n, activation: row.activation },
    ...(dropout > 0 ? [{ kind: 'dropout', name: name.replace('fc', 'dropout'), rate: dropout } as const] : []),
  ];
  return [
    // 5x5 with padding 2 is 'same' at stride 1: a 28x28 digit keeps its size, as in D2L.
    { kind: 'conv', name: 'conv1', filters: filters[0], kernelSize: 5, strides: 1, padding: 'same', activation: row.activation },
    pool('pool1'),
    { kind: 'conv', name: 'conv2', filters: filters[1], kernelSize: 5, strides: 1, padding: 'valid', activation: row.activation },
    pool('pool2'),
    { kind: 'flatten', name: 'flatten' },
    ...head('fc1', units[0]),
    ...head('fc2', units[1]),
    { kind: 'dense', name: 'predictions', units: numClasses, activation: classifier },
  ];
}

const FAMILY = defineFamily({
  family: 'lenet',
  variants: LENET_VARIANTS,
  rows: ROWS,
  configKeys: ['filters', 'units'],
  resolve: (where, config: LeNetConfig, row) => ({
    filters: checkIntegerList(where, 'filters', config.filters ?? row.filters, 2),
    units: checkIntegerList(where, 'units', config.units ?? row.units, 2),
  }),
  layers: layerSpecs,
});

/**
 * LeNet-5 (LeCun et al. 1998) as D2L builds it: conv 6@5x5 (pad 2) → pool 2/2 → conv 16@5x5 → pool
 * 2/2 → dense 120 → 84 → classes; 61,706 parameters on 28x28x1 with 10 classes. Channels-last input
 * `[batch, inputSize, inputSize, inChannels]`; the `predictions` layer gives softmax probabilities
 * unless `classifierActivation: 'linear'`. With no argument: the `lenet5` variant.
 */
export function lenet(config: LeNetConfig = {}): tf.LayersModel {
  return FAMILY.build(config);
}

/** Metadata of every LeNet variant (defaults, parameters, citation), computed without building. */
export const LENET_MODELS: Readonly<Record<LeNetVariant, ModelInfo>> = FAMILY.models;

/** The family as the registry (`@zoo/models`) takes it. */
export const LENET_FAMILY: ModelFamily<LeNetVariant, LeNetConfig> = FAMILY;
