import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '../src/wasm';
import { liveCounts, relativeError, seeded, use, values } from './wasm-helpers';

const TOLERANCE = 1e-5;
const BATCH = 8;
const SIZE = 16;
const CLASSES = 10;

/** Parameter shapes of the small CNN below, by name. */
const SHAPES: Record<string, number[]> = {
  conv1: [3, 3, 1, 4],
  bias1: [4],
  conv2: [3, 3, 4, 6],
  bias2: [6],
  dense1: [24, 16],
  biasDense1: [16],
  dense2: [16, CLASSES],
  biasDense2: [CLASSES],
};

type Params = Record<string, tf.Variable>;

const random = seeded(2012);
const INITIAL: Record<string, Float32Array> = Object.fromEntries(
  Object.entries(SHAPES).map(([name, shape]) => [name, values(random, shape).map((v) => 0.5 * v)]),
);
const IMAGES = values(random, [BATCH, SIZE, SIZE, 1]);
const LABELS = Array.from({ length: BATCH }, (_, i) => i % CLASSES);

function makeParams(): Params {
  return Object.fromEntries(Object.entries(SHAPES).map(([name, shape]) => [name, tf.variable(tf.tensor(INITIAL[name], shape), true, name)]));
}

/**
 * conv 3x3 - relu - max-pool - LRN - conv 3x3 stride 2 - sigmoid - avg-pool - dense - relu -
 * dropout (fixed seed, so both backends drop the same units) - dense - softmax cross-entropy.
 */
function loss(p: Params, x: tf.Tensor4D, y: tf.Tensor2D): tf.Scalar {
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

function gradients(): Record<string, Float32Array> {
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

describe('a small CNN trains on wasm', () => {
  beforeAll(async () => {
    await use('wasm');
    registerWasmTrainingKernels();
  });

  test("every parameter's gradient equals cpu's", async () => {
    await use('cpu');
    const reference = gradients();
    await use('wasm');
    const got = gradients();
    expect(Object.keys(got).sort()).toEqual(Object.keys(SHAPES).sort());
    for (const name of Object.keys(SHAPES)) {
      expect({ name, close: relativeError(got[name], reference[name]) < TOLERANCE }).toEqual({ name, close: true });
    }
  });

  test('SGD lowers the loss, and a step leaves no tensor behind', async () => {
    await use('wasm');
    const params = makeParams();
    const x = tf.tensor4d(IMAGES, [BATCH, SIZE, SIZE, 1]);
    const y = tf.oneHot(tf.tensor1d(LABELS, 'int32'), CLASSES) as tf.Tensor2D;
    const optimizer = tf.train.sgd(0.5);
    try {
    const step = (): number => {
      const cost = optimizer.minimize(() => loss(params, x, y), true) as tf.Scalar;
      const value = cost.dataSync()[0];
      cost.dispose();
      return value;
    };
    const losses = [step()];
    // The first step makes the optimizer's constants; from then on a step must not grow the counts.
    const before = liveCounts();
    for (let i = 0; i < 7; i++) losses.push(step());
    expect(liveCounts()).toEqual(before);
    expect(losses[losses.length - 1]).toBeLessThan(0.8 * losses[0]);
    } finally {
    tf.dispose([x, y, ...Object.values(params)]);
    optimizer.dispose();
    }
  });

  test('a tf.layers model (fused conv + bias + activation) trains with trainOnBatch', async () => {
    await use('wasm');
    const init = (seed: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed });
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [SIZE, SIZE, 1], filters: 4, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'sigmoid', kernelInitializer: init(2) }),
        tf.layers.averagePooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init(3) }),
        tf.layers.dropout({ rate: 0.25, seed: 5 }),
        tf.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: init(4) }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    const x = tf.tensor4d(IMAGES, [BATCH, SIZE, SIZE, 1]);
    const y = tf.oneHot(tf.tensor1d(LABELS, 'int32'), CLASSES);
    const losses: number[] = [];
    for (let i = 0; i < 10; i++) losses.push((await model.trainOnBatch(x, y)) as number);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    tf.dispose([x, y]);
    model.dispose();
  });
});
