import * as tf from '@tensorflow/tfjs';

// The check carries its own copies of the two D2L networks so the prepared folder does not depend
// on @zoo/models; both end in logits, and the step applies softmax inside its cross-entropy, as
// D2L's PyTorch (CrossEntropyLoss) does.

/** D2L's AlexNet (section 8.1) at `inputSize` px, one input channel, 10 classes; `width` scales every layer. */
export function d2lAlexNet(inputSize = 224, width = 1): tf.Sequential {
  const c = (n: number) => Math.max(1, Math.round(n * width));
  return tf.sequential({
    name: 'alexnet_d2l',
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape: [inputSize, inputSize, 1], filters: c(96), kernelSize: 11, strides: 4, activation: 'relu' }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 3, strides: 2 }),
      tf.layers.conv2d({ name: 'conv2', filters: c(256), kernelSize: 5, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 3, strides: 2 }),
      tf.layers.conv2d({ name: 'conv3', filters: c(384), kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.conv2d({ name: 'conv4', filters: c(384), kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.conv2d({ name: 'conv5', filters: c(256), kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ name: 'pool5', poolSize: 3, strides: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc1', units: c(4096), activation: 'relu' }),
      tf.layers.dropout({ name: 'drop1', rate: 0.5 }),
      tf.layers.dense({ name: 'fc2', units: c(4096), activation: 'relu' }),
      tf.layers.dropout({ name: 'drop2', rate: 0.5 }),
      tf.layers.dense({ name: 'logits', units: 10 }),
    ],
  });
}

/** D2L's LeNet-5 (section 7.6): sigmoid activations, average pooling, 28 px, 10 classes. */
export function d2lLeNet(): tf.Sequential {
  return tf.sequential({
    name: 'lenet5_d2l',
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'sigmoid' }),
      tf.layers.averagePooling2d({ name: 'pool1', poolSize: 2, strides: 2 }),
      tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 5, activation: 'sigmoid' }),
      tf.layers.averagePooling2d({ name: 'pool2', poolSize: 2, strides: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc1', units: 120, activation: 'sigmoid' }),
      tf.layers.dense({ name: 'fc2', units: 84, activation: 'sigmoid' }),
      tf.layers.dense({ name: 'logits', units: 10 }),
    ],
  });
}

/** Parameter counts D2L prints for the full-size networks; a mismatch means the copy above drifted. */
export const D2L_PARAMETERS = { alexnet: 46_764_746, lenet: 61_706 } as const;
