/**
 * The shipped weights, checked as a user meets them: each loads from its family package with its
 * checksum verified, and (with the real Fashion-MNIST installed; CI installs it) its accuracy on all
 * 10,000 test images, measured through the inference path (`preprocess` on raw pixels), is the
 * manifest's and meets the model's target.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@zoo/backend';
import { loadFashionMnist, type MnistLike } from '@zoo/datasets/node';
import { evaluate } from '@zoo/trainer';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { PRETRAINED_MODELS, PRETRAINED_TARGETS } from '../src';
import { loadPretrained, shippedWeightsDir } from '../src/node';

let data: MnistLike | null = null;

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1 });
  data = await loadFashionMnist({ download: false }).catch((err: Error) => {
    console.warn(`shipped-weights.test: Fashion-MNIST is not installed (${err.message.split('\n')[0]}); the accuracy re-measurement is skipped (apt-get install dataset-fashion-mnist)`);
    return null;
  });
});

describe.each(PRETRAINED_MODELS)('shipped weights of %s', (name) => {
  it('load from the family package, verified, at a shippable size', async () => {
    const p = await loadPretrained(name);
    const m = p.weights;
    expect(m).toMatchObject({ format: 'zoo-weights', model: name, dataset: 'fashion-mnist', testExamples: 10000, input: { size: 28, channels: 1, layout: 'NHWC' } });
    expect(m.categories).toHaveLength(10);
    expect(m.command).toMatch(new RegExp(`^pnpm --filter @zoo/models train:pretrained ${name}`));
    const bytes = m.files.weights.reduce((n, f) => n + statSync(join(shippedWeightsDir(name), f)).size, 0);
    expect(bytes).toBe(m.bytes);
    expect(bytes).toBeLessThan(1.5 * 2 ** 20);
    expect(m.target).toEqual({ testAccuracy: PRETRAINED_TARGETS[name], met: m.testAccuracy >= PRETRAINED_TARGETS[name]! });
    p.model.dispose();
  });

  it('re-measure on the 10,000 test images to the manifest, at or above the target', async () => {
    if (data === null) return; // skipped, see the warning above
    const p = await loadPretrained(name);
    const { images, labels, count, height, width } = data.test;
    const batch = 1000;
    // Batches of raw 0..255 pixels through the same preprocess a user's images go through.
    const batches = tf.data.generator(function* () {
      for (let start = 0; start < count; start += batch) {
        const n = Math.min(batch, count - start);
        yield tf.tidy(() => ({
          xs: p.preprocess(tf.tensor4d(images.subarray(start * height * width, (start + n) * height * width), [n, height, width, 1], 'int32')),
          ys: tf.oneHot(tf.tensor1d(labels.subarray(start, start + n), 'int32'), 10),
        }));
      }
    });
    const result = await evaluate(p.model, batches);
    expect(result.examples).toBe(10000);
    // Same weights, same images: the same predictions, up to float rounding across backends.
    expect(Math.abs(result.accuracy - p.weights.testAccuracy)).toBeLessThanOrEqual(0.0005);
    expect(result.loss).toBeCloseTo(p.weights.testLoss, 3);
    expect(result.accuracy).toBeGreaterThanOrEqual(PRETRAINED_TARGETS[name]!);
    p.model.dispose();
  }, 300_000);
});
