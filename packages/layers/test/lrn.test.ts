import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { predictions, useTempDir } from '@zoo/test-kit';
import { LocalResponseNormalization, localResponseNormalization } from '../src';
import { loadModel, saveModel } from '../src/node';

/** The paper's formula, written out with loops over a plain array: an independent reference. */
function referenceLrn(x: number[][][][], r: number, bias: number, alpha: number, beta: number): number[][][][] {
  return x.map((image) =>
    image.map((row) =>
      row.map((pixel) =>
        pixel.map((value, c) => {
          let sum = 0;
          for (let j = Math.max(0, c - r); j <= Math.min(pixel.length - 1, c + r); j++) sum += pixel[j] ** 2;
          return value / (bias + alpha * sum) ** beta;
        }),
      ),
    ),
  );
}

describe('LocalResponseNormalization', () => {
  const dir = useTempDir('zoo-lrn-');
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("defaults to the AlexNet paper's constants in TF semantics", () => {
    const layer = localResponseNormalization();
    expect(layer.getConfig()).toMatchObject({ depthRadius: 2, bias: 2, alpha: 1e-4, beta: 0.75 });
  });

  it.each([
    { depthRadius: 2, bias: 2, alpha: 1e-4, beta: 0.75, scale: 30 },
    { depthRadius: 1, bias: 1, alpha: 0.05, beta: 0.5, scale: 3 },
  ])('matches the formula for %o', ({ scale, ...args }) => {
    const x = tf.randomNormal([2, 3, 3, 7], 0, scale, 'float32', 1);
    const y = localResponseNormalization(args).apply(x) as tf.Tensor;
    const expected = referenceLrn(x.arraySync() as number[][][][], args.depthRadius, args.bias, args.alpha, args.beta);
    const diff = tf.sub(y, tf.tensor(expected)).abs().max().dataSync()[0];
    expect(diff).toBeLessThan(1e-4);
    // With these inputs the normalisation is not a no-op, so the comparison above has teeth.
    expect(tf.sub(y, x).abs().max().dataSync()[0]).toBeGreaterThan(0.01);
    tf.dispose([x, y]);
  });

  it('has a gradient', () => {
    const x = tf.randomNormal([1, 2, 2, 6], 0, 10, 'float32', 2);
    const layer = localResponseNormalization();
    const g = tf.grad((t: tf.Tensor) => (layer.apply(t) as tf.Tensor).sum())(x);
    expect(g.shape).toEqual(x.shape);
    expect(Number.isFinite(g.abs().sum().dataSync()[0])).toBe(true);
    tf.dispose([x, g]);
  });

  it('round-trips through saveModel/loadModel with its constants', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 8, kernelSize: 3, activation: 'relu', name: 'conv1' }),
        localResponseNormalization({ name: 'norm1', alpha: 0.01, beta: 0.6, bias: 1.5, depthRadius: 1 }),
      ],
    });
    const x = tf.randomNormal([2, 6, 6, 2], 0, 5, 'float32', 3);
    await saveModel(model, join(dir(), 'm'));
    const loaded = await loadModel(join(dir(), 'm'));
    const layer = loaded.getLayer('norm1');
    expect(layer).toBeInstanceOf(LocalResponseNormalization);
    expect(layer.getConfig()).toMatchObject({ alpha: 0.01, beta: 0.6, bias: 1.5, depthRadius: 1 });
    const [original, again] = predictions([model, loaded], x);
    expect(again).toEqual(original);
    tf.dispose([x]);
    model.dispose();
    loaded.dispose();
  });

  it('rejects a negative depthRadius, echoing it', () => {
    expect(() => localResponseNormalization({ depthRadius: -1 })).toThrow(/depthRadius must be an integer >= 0; received -1/);
  });
});
