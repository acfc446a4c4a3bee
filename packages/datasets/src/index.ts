export { FASHION_MNIST, FASHION_MNIST_CLASSES, MNIST, MNIST_CLASSES } from './catalog';
export type { DatasetSpec, IdxFileSpec } from './catalog';
export { DatasetError } from './errors';
export type { DatasetErrorCode } from './errors';
export { parseIdx } from './idx';
export type { IdxArray, Verification } from './idx';
export type { Split } from './split';
export { batchesPerEpoch, toDataset } from './pipeline';
export type { Augment, ImageBatch, ImageDataset, Normalize, ToDatasetOptions } from './pipeline';
