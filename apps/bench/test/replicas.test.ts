import * as tf from '@tensorflow/tfjs';
import { createTrainingStep } from '@zoo/trainer';
import { Replica, sharedGrads } from '../src/replicas';

function tiny(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

describe('Replica', () => {
  beforeAll(async () => {
    jest.spyOn(console, 'warn').mockImplementation(() => undefined); // TF.js's "install tfjs-node" hint
    await tf.setBackend('cpu');
  });

  it("two replicas on half batches make the same update as the trainer's step on the whole batch", () => {
    const xs = tf.randomUniform([4, 4, 4, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3).toFloat() as tf.Tensor2D;

    const whole = tiny();
    const reference = createTrainingStep(whole, { optimizer: { name: 'sgd', lr: 0.5 } });
    tf.dispose(reference.step(xs, labels, 0.5, 0));

    const models = [tiny(), tiny()];
    const shared = sharedGrads(Replica.paramCount(models[0]), 2);
    expect(shared.params).toBe(2 * 9 + 2 + 8 * 3 + 3);
    const replicas = models.map(
      (m, rank) =>
        new Replica(m, { xs: xs.slice([rank * 2], [2]) as tf.Tensor4D, labels: labels.slice([rank * 2], [2]) as tf.Tensor2D }, shared, rank, 0.5),
    );
    replicas[1].setWeights(replicas[0].weights());
    replicas.forEach((r) => r.gradients());
    replicas.forEach((r) => r.reduce());
    replicas.forEach((r) => r.apply());

    const expected = whole.getWeights().map((w) => w.arraySync());
    for (const m of models) {
      m.getWeights().forEach((w, i) => {
        const got = (w.dataSync() as Float32Array).slice();
        const want = Float32Array.from((expected[i] as number[] | number[][]).flat(4) as number[]);
        got.forEach((v, j) => expect(v).toBeCloseTo(want[j], 5));
      });
    }
  });
});
