// A small CNN touching every kernel family the zoo trains with, shared by the wasm and ONNX Runtime suites.
import * as tf from '@tensorflow/tfjs';
import { seeded, values } from '@zoo/test-kit';

export const BATCH = 8;
export const SIZE = 16;
export const CLASSES = 10;

/** Parameter shapes of the small CNN below, by name. */
export const SHAPES: Record<string, number[]> = {
  conv1: [3, 3, 1, 4],
  bias1: [4],
  conv2: [3, 3, 4, 6],
  bias2: [6],
  dense1: [24, 16],
  biasDense1: [16],
  dense2: [16, CLASSES],
  biasDense2: [CLASSES],
};

export type Params = Record<string, tf.Variable>;

const random = seeded(2012);
const INITIAL: Record<string, Float32Array> = Object.fromEntries(
  Object.entries(SHAPES).map(([name, shape]) => [name, values(random, shape).map((v) => 0.5 * v)]),
);
export const IMAGES = values(random, [BATCH, SIZE, SIZE, 1]);
export const LABELS = Array.from({ length: BATCH }, (_, i) => i % CLASSES);

export function makeParams(): Params {
  return Object.fromEntries(Object.entries(SHAPES).map(([name, shape]) => [name, tf.variable(tf.tensor(INITIAL[name], shape), true, name)]));
}

/**
 * conv 3x3 - relu - max-pool - LRN - conv 3x3 stride 2 - sigmoid - avg-pool - dense - relu -
 * dropout (fixed seed, so both backends drop the same units) - dense - softmax cross-entropy.
 */
export function loss(p: Params, x: tf.Tensor4D, y: tf.Tensor2D): tf.Scalar {
  const conv1 = tf.add(tf.conv2d(x, p.conv1 as tf.Tensor4D, 1, 'same'), p.bias1) as tf.Tensor4D;
  let h = tf.maxPool(tf.relu(conv1), 2, 2, 'valid');
  h = tf.localResponseNormalization(h, 1, 1, 0.5, 0.75);
  const conv2 = tf.add(tf.conv2d(h, p.conv2 as tf.Tensor4D, 2, 'same'), p.bias2) as tf.Tensor4D;
  h = tf.avgPool(tf.sigmoid(conv2), 2, 2, 'valid');
  let f = tf.reshape(h, [BATCH, -1]) as tf.Tensor2D;
  f = tf.relu(tf.add(tf.matMul(f, p.dense1 as tf.Tensor2D), p.biasDense1)) as tf.Tensor2D;
  f = tf.dropout(f, 0.25, undefined, 7) as tf.Tensor2D;
  const logits = tf.add(tf.matMul(f, p.dense2 as tf.Tensor2D), p.biasDense2);
  return tf.losses.softmaxCrossEntropy(y, logits);
}

export function gradients(): Record<string, Float32Array> {
  const params = makeParams();
  try {
    return tf.tidy(() => {
      const x = tf.tensor4d(IMAGES, [BATCH, SIZE, SIZE, 1]);
      const y = tf.oneHot(tf.tensor1d(LABELS, 'int32'), CLASSES) as tf.Tensor2D;
      const { grads } = tf.variableGrads(() => loss(params, x, y));
      return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, g.dataSync() as Float32Array]));
    });
  } finally {
    tf.dispose(Object.values(params));
  }
}

