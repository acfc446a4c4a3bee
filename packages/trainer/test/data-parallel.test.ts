import * as tf from '@tensorflow/tfjs';
import { replicaSeed, sliceSizes } from '../src';
import { latestCheckpoint, startDataParallel, train, type DataParallelGroup, type TrainOptions } from '../src/node';
import { dataset, metrics, model, removeDir, synthetic, tempDir, weightsOf } from './helpers';

// The workers run the built trainer (dist/: turbo builds it before this test, see turbo.json) through this script.
const workerUrl = new URL(`file://${__dirname}/fixtures/replica-worker.mjs`);
const trainData = synthetic(61, 1);
const testData = synthetic(20, 2);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const groups: DataParallelGroup[] = [];
afterEach(async () => {
  await Promise.all(groups.splice(0).map((g) => g.close()));
});

async function group(replicas: number, setupData?: unknown): Promise<DataParallelGroup> {
  const g = await startDataParallel({ replicas, workerUrl, setupData });
  groups.push(g);
  return g;
}

function options(batch: number, overrides: Partial<TrainOptions> = {}): TrainOptions {
  return {
    train: dataset(trainData, batch, 'order'),
    test: dataset(testData, batch),
    epochs: 2,
    optimizer: { name: 'momentum', lr: 0.2, momentum: 0.9, weightDecay: 1e-3 },
    ...overrides,
  };
}

function expectClose(actual: number[][], expected: number[][], tolerance: number): void {
  expect(actual.map((w) => w.length)).toEqual(expected.map((w) => w.length));
  let worst = 0;
  actual.forEach((w, i) => w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - expected[i][j])))));
  expect(worst).toBeLessThan(tolerance);
}

describe('sliceSizes and replicaSeed', () => {
  test('slices cover the batch in order, as equal as they can be', () => {
    expect(sliceSizes(7, 2)).toEqual([4, 3]);
    expect(sliceSizes(128, 2)).toEqual([64, 64]);
    expect(sliceSizes(2, 3)).toEqual([1, 1, 0]);
    expect(sliceSizes(10, 3)).toEqual([4, 3, 3]);
  });

  test('replica 0 keeps the run seed; the others get distinct 32-bit seeds', () => {
    expect(replicaSeed(42, 0)).toBe(42);
    const seeds = [1, 2, 3].map((r) => replicaSeed(42, r));
    expect(new Set([42, ...seeds]).size).toBe(4);
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
    expect(replicaSeed(43, 1)).not.toBe(replicaSeed(42, 1));
  });
});

describe('data-parallel train', () => {
  test.each([
    [2, 7],
    [3, 10],
  ])('%i replicas take the whole-batch step: same history and weights as one thread (batch %i, uneven slices)', async (replicas, batch) => {
    const alone = model({ seed: 3 });
    const single = await train(alone, options(batch));
    const together = model({ seed: 3 });
    const parallel = await train(together, options(batch, { dataParallel: await group(replicas) }));
    expect(parallel.config.replicas).toBe(replicas);
    expect(single.config.replicas).toBe(1);
    const m = metrics(parallel.history);
    metrics(single.history).forEach((r, i) => {
      expect(m[i].examples).toBe(r.examples);
      expect(m[i].batches).toBe(r.batches);
      expect(m[i].trainAcc).toBeCloseTo(r.trainAcc, 6);
      expect(m[i].loss).toBeCloseTo(r.loss, 5);
      expect(m[i].testAcc).toBeCloseTo(r.testAcc as number, 6);
    });
    expectClose(await weightsOf(together), await weightsOf(alone), 1e-5);
  });

  test('a last batch smaller than the group leaves a replica empty and still takes the right step', async () => {
    // 61 examples in batches of 4 end with one of 1: of three replicas, two get none.
    const alone = model({ seed: 5 });
    await train(alone, options(4, { epochs: 1 }));
    const together = model({ seed: 5 });
    const { history } = await train(together, options(4, { epochs: 1, dataParallel: await group(3) }));
    expect(history[0].examples).toBe(61);
    expectClose(await weightsOf(together), await weightsOf(alone), 1e-5);
  });

  test('resuming with replicas gives them the checkpoint weights and momentum: equals an uninterrupted run', async () => {
    const dir = await tempDir();
    try {
      const alone = model({ seed: 7 });
      await train(alone, options(8, { epochs: 3 }));
      // One epoch on this thread, then the rest on two replicas from the checkpoint.
      const first = model({ seed: 7 });
      await train(first, options(8, { epochs: 1, checkpointDir: dir }));
      expect(await latestCheckpoint(dir)).not.toBeNull();
      const resumed = model({ seed: 99 });
      const { history, config } = await train(resumed, options(8, { epochs: 3, checkpointDir: dir, resume: true, dataParallel: await group(2) }));
      expect(config.resumedFrom).not.toBeNull();
      expect(history.map((r) => r.epoch)).toEqual([0, 1, 2]);
      expectClose(await weightsOf(resumed), await weightsOf(alone), 1e-5);
    } finally {
      await removeDir(dir);
    }
  });

  test('with dropout every replica draws its own masks, and training still learns', async () => {
    const m = model({ seed: 2, dropout: 0.3 });
    const { history } = await train(m, options(16, { epochs: 4, optimizer: { name: 'sgd', lr: 0.3 }, dataParallel: await group(2) }));
    expect(history[3].loss).toBeLessThan(history[0].loss);
    expect(history[3].testAcc).toBeGreaterThan(0.8);
  });

  test('one group trains run after run, each attach taking the new model', async () => {
    const g = await group(2);
    for (const seed of [11, 12]) {
      const alone = model({ seed });
      await train(alone, options(8, { epochs: 1 }));
      const together = model({ seed });
      await train(together, options(8, { epochs: 1, dataParallel: g }));
      expectClose(await weightsOf(together), await weightsOf(alone), 1e-5);
    }
  });
});

describe('data-parallel failures', () => {
  test('a worker whose setup fails: startDataParallel rejects naming it and why', async () => {
    await expect(startDataParallel({ replicas: 2, workerUrl, setupData: { failSetup: true } })).rejects.toThrow(
      'data-parallel replica 1: its setup failed: no backend here',
    );
  });

  test('a worker that dies mid-run: train rejects with its exit instead of waiting forever', async () => {
    const g = await group(3, { exitAtStep: 5 });
    await expect(train(model(), options(8, { dataParallel: g }))).rejects.toThrow(/data-parallel replica [12] exited \(code 3\)/);
    await expect(train(model(), options(8, { dataParallel: g }))).rejects.toThrow(/data-parallel replica [12] exited/);
  });

  test('a model the workers cannot rebuild: the error names the replica and the layer', async () => {
    class OnlyHere extends tf.layers.Layer {
      static className = 'OnlyHereLayer';
      override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return Array.isArray(inputs) ? inputs[0] : inputs;
      }
    }
    tf.serialization.registerClass(OnlyHere);
    const m = model();
    const custom = tf.sequential({ layers: [new OnlyHere({ inputShape: [4, 4, 1] }), ...m.layers] });
    await expect(train(custom, options(8, { dataParallel: await group(2) }))).rejects.toThrow(/data-parallel replica 1: .*OnlyHereLayer/);
  });

  test('bad options are refused before anything starts', async () => {
    await expect(startDataParallel({ replicas: 1, workerUrl })).rejects.toThrow('dataParallel replicas must be an integer ≥ 2');
    await expect(train(model(), options(8, { dataParallel: {} as never }))).rejects.toThrow('dataParallel must be a group from startDataParallel');
  });
});
