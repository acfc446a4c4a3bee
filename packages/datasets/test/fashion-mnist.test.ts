import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FASHION_MNIST, FASHION_MNIST_CLASSES, toDataset, type Split } from '../src';
import { loadDataset, loadFashionMnist, type MnistLike } from '../src/node';
import { FILE_NAMES, idxBytes, tempDir } from './helpers';

// The real data: Debian's dataset-fashion-mnist package. The SHA-256s below are the published files'
// (docs/DESIGN.md), recomputed here from what the loader returns rather than read from the loader.
const systemDir = FASHION_MNIST.systemDir as string;
const present = FILE_NAMES.every((name) => existsSync(join(systemDir, `${name}.gz`)));
if (!present) {
  console.log(`Skipping Fashion-MNIST real-data tests: ${systemDir} is absent (apt-get install dataset-fashion-mnist).`);
}
const describeReal = present ? describe : describe.skip;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function classCounts(split: Split): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of split.labels) counts[label]++;
  return counts;
}

describeReal('Fashion-MNIST from the Debian package', () => {
  let data: MnistLike;
  let cleanup: () => void;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const temp = tempDir();
    cleanup = temp.cleanup;
    // An empty cache and no ZOO_DATA_DIR, so the locator must reach the system folder.
    data = await loadDataset(FASHION_MNIST, { cacheDir: temp.dir, download: false }, {});
  });
  afterAll(() => cleanup());

  it('is found in the system folder and verified by SHA-256', () => {
    expect(data.source).toEqual({ kind: 'system', dir: systemDir, dataset: 'Fashion-MNIST', verified: 'sha256' });
    expect(data.classNames).toEqual([...FASHION_MNIST_CLASSES]);
  });

  it('has 60,000 + 10,000 images of 28x28 with 6,000 + 1,000 per class', () => {
    expect(data.train).toMatchObject({ count: 60000, height: 28, width: 28 });
    expect(data.test).toMatchObject({ count: 10000, height: 28, width: 28 });
    expect(classCounts(data.train)).toEqual(Array(10).fill(6000));
    expect(classCounts(data.test)).toEqual(Array(10).fill(1000));
  });

  it('returns exactly the published content', () => {
    expect(sha256(idxBytes([60000, 28, 28], data.train.images))).toBe('c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888');
    expect(sha256(idxBytes([60000], data.train.labels))).toBe('bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9');
    expect(sha256(idxBytes([10000, 28, 28], data.test.images))).toBe('5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b');
    expect(sha256(idxBytes([10000], data.test.labels))).toBe('0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34');
  });

  it('streams 224x224 batches in [0, 1] whose mean brightness matches the 28x28 originals', async () => {
    const batchSize = 16;
    const [small, large] = await Promise.all(
      [28, 224].map(async (resize) => {
        const it = await toDataset(data.test, { batchSize, resize }).iterator();
        const { value } = await it.next();
        const stats = tf.tidy(() => ({ mean: value.xs.mean().dataSync()[0], min: value.xs.min().dataSync()[0], max: value.xs.max().dataSync()[0] }));
        expect(value.xs.shape).toEqual([batchSize, resize, resize, 1]);
        tf.dispose(value);
        return stats;
      }),
    );
    expect(large.min).toBeGreaterThanOrEqual(0);
    expect(large.max).toBeLessThanOrEqual(1);
    expect(large.mean).toBeCloseTo(small.mean, 2);
  });

  it('is what loadFashionMnist() finds by default, checked the same way', async () => {
    const found = await loadFashionMnist({ download: false });
    expect(found.source.verified).toBe('sha256');
    expect(found.train.count).toBe(60000);
  });
});
