import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '../src/wasm';
import { BATCH, CLASSES, gradients, IMAGES, LABELS, loss, makeParams, SHAPES, SIZE } from './small-cnn';
import { liveCounts, relativeError, use } from './wasm-helpers';

const TOLERANCE = 1e-5;
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
