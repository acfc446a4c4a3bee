/** One IDX file of a data set, as its publisher names and checksums it. */
export interface IdxFileSpec {
  /** File name as published, without `.gz` (e.g. `train-images-idx3-ubyte`). */
  readonly name: string;
  /** Expected IDX shape: `[count, height, width]` for images, `[count]` for labels. */
  readonly shape: readonly number[];
  /** MD5 of the `.gz` as the mirror publishes it. Checked on every download. Default: none (not checked). */
  readonly gzMd5?: string;
  /** SHA-256 of the decompressed IDX file. Checked on every load, whatever the source. Default: none (structure and MD5 only). */
  readonly sha256?: string;
}

/** A data set in the MNIST layout: four IDX files, ten classes, published as `.gz` on one mirror. */
export interface DatasetSpec {
  /** Short id; also the subfolder looked up under `ZOO_DATA_DIR` and the user cache. */
  readonly id: string;
  /** Name for people (messages, reports). */
  readonly title: string;
  /** Class names, indexed by label. */
  readonly classNames: readonly string[];
  readonly files: {
    readonly trainImages: IdxFileSpec;
    readonly trainLabels: IdxFileSpec;
    readonly testImages: IdxFileSpec;
    readonly testLabels: IdxFileSpec;
  };
  /** Mirror the `.gz` files are downloaded from (a URL ending in `/`). */
  readonly baseUrl: string;
  /** Environment variable that overrides {@link DatasetSpec.baseUrl}. */
  readonly baseUrlEnv: string;
  /** Folder a system package installs the files into, looked at after the user cache. Default: none. */
  readonly systemDir?: string;
  /** Debian package that provides {@link DatasetSpec.systemDir}, named in the not-found message. Default: none. */
  readonly aptPackage?: string;
}

/** Fashion-MNIST class names, in label order, as D2L's `get_fashion_mnist_labels` spells them. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  't-shirt',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'ankle boot',
]);

/** MNIST class names: the digits. */
export const MNIST_CLASSES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017). MD5s are zalandoresearch's for the published `.gz`;
 * SHA-256s are of the decompressed files, which is what survives Debian's re-compression.
 */
export const FASHION_MNIST: DatasetSpec = Object.freeze({
  id: 'fashion-mnist',
  title: 'Fashion-MNIST',
  classNames: FASHION_MNIST_CLASSES,
  files: {
    trainImages: {
      name: 'train-images-idx3-ubyte',
      shape: [60000, 28, 28],
      gzMd5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
      sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    },
    trainLabels: {
      name: 'train-labels-idx1-ubyte',
      shape: [60000],
      gzMd5: '25c81989df183df01b3e8a0aad5dffbe',
      sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
    },
    testImages: {
      name: 't10k-images-idx3-ubyte',
      shape: [10000, 28, 28],
      gzMd5: 'bef4ecab320f06d8554ea6380940ec79',
      sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
    },
    testLabels: {
      name: 't10k-labels-idx1-ubyte',
      shape: [10000],
      gzMd5: 'bb300cfdad3c16e7a12a480ee83cd310',
      sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
    },
  },
  baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  baseUrlEnv: 'ZOO_FASHION_MNIST_URL',
  systemDir: '/usr/share/datasets/fashion-mnist',
  aptPackage: 'dataset-fashion-mnist',
});

/**
 * MNIST digits (LeCun et al. 1998), from PyTorch's mirror. Only the `.gz` MD5s are pinned (the ones
 * torchvision checks), so a copy that is not byte-identical to the published `.gz` (raw, or
 * re-compressed) is accepted on structure alone, and the load reports `verified: 'structure'`.
 */
export const MNIST: DatasetSpec = Object.freeze({
  id: 'mnist',
  title: 'MNIST',
  classNames: MNIST_CLASSES,
  files: {
    trainImages: { name: 'train-images-idx3-ubyte', shape: [60000, 28, 28], gzMd5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
    trainLabels: { name: 'train-labels-idx1-ubyte', shape: [60000], gzMd5: 'd53e105ee54ea40749a09fcbcd1e9432' },
    testImages: { name: 't10k-images-idx3-ubyte', shape: [10000, 28, 28], gzMd5: '9fb629c4189551a2d022fa330f9573f3' },
    testLabels: { name: 't10k-labels-idx1-ubyte', shape: [10000], gzMd5: 'ec29112dd5afa0611ce80d1b7f02629c' },
  },
  baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
  baseUrlEnv: 'ZOO_MNIST_URL',
});

export const SPLIT_FILES = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
export type SplitFile = (typeof SPLIT_FILES)[number];
