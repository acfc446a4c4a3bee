import * as tf from '@tensorflow/tfjs';
import {
  type BatchEndLogs,
  type EpochRecord,
  NonFiniteLossError,
  piecewiseConstant,
  train,
  TrainingAbortedError,
  type TrainOptions,
} from '../src';
import { dataset, metrics, model, synthetic, weightsOf } from './helpers';

const trainData = synthetic(192, 1);
const testData = synthetic(96, 2);
const BATCH = 32;
const BATCHES = Math.ceil(192 / BATCH);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function options(overrides: Partial<TrainOptions> = {}): TrainOptions {
  return {
    train: dataset(trainData, BATCH),
    test: dataset(testData, BATCH),
    epochs: 3,
    optimizer: { name: 'sgd', lr: 0.3 },
    ...overrides,
  };
}

describe('train', () => {
  test('learns a separable problem: loss falls, accuracy rises, records are complete and serialisable', async () => {
    const m = model();
    const { history, config } = await train(m, options({ epochs: 4 }));
    expect(history.map((r) => r.epoch)).toEqual([0, 1, 2, 3]);
    expect(history[3].loss).toBeLessThan(history[0].loss / 2);
    expect(history[3].trainAcc).toBeGreaterThan(history[0].trainAcc);
    expect(history[3].testAcc).toBeGreaterThan(0.9);
    expect(history[3].testLoss).toBeLessThan(history[0].testLoss as number);
    for (const [i, r] of history.entries()) {
      expect(r.examples).toBe(192);
      expect(r.batches).toBe(BATCHES);
      expect(r.step).toBe((i + 1) * BATCHES);
      expect(r.lr).toBe(0.3);
      expect(r.seconds).toBeGreaterThan(0);
      expect(r.examplesPerSec).toBeGreaterThan(0);
    }
    // The D2L setup: SGD on the mean cross-entropy, computed from the logits before the softmax.
    expect(config.optimizer).toEqual({ name: 'sgd', lr: 0.3, weightDecay: 0 });
    expect(config.loss).toMatchObject({ reduction: 'mean', source: 'pre-softmax-logits' });
    expect(config.backend).toBe('cpu');
    expect(JSON.parse(JSON.stringify({ history, config }))).toEqual({ history, config });
  });

  test('without test data testLoss and testAcc are null', async () => {
    const { history } = await train(model(), options({ test: undefined, epochs: 1 }));
    expect(history[0].testAcc).toBeNull();
    expect(history[0].testLoss).toBeNull();
  });

  test('callbacks fire in TF.js order with progress logs that add up to the epoch record', async () => {
    const events: string[] = [];
    const batchLogs: BatchEndLogs[] = [];
    const records: EpochRecord[] = [];
    await train(
      model(),
      options({
        epochs: 2,
        callbacks: [
          {
            onTrainBegin: () => void events.push('trainBegin'),
            onEpochBegin: (e) => void events.push(`epochBegin ${e}`),
            onBatchBegin: (b) => void events.push(`batchBegin ${b}`),
            onBatchEnd: (b, logs) => {
              events.push(`batchEnd ${b}`);
              batchLogs.push(logs);
            },
            onEpochEnd: (e, logs) => {
              events.push(`epochEnd ${e}`);
              records.push(logs);
            },
            onTrainEnd: () => void events.push('trainEnd'),
          },
          // A second, async callback object is awaited in turn.
          {
            onEpochEnd: async () =>
              new Promise<void>((resolve) =>
                setTimeout(() => {
                  events.push('async');
                  resolve();
                }, 1),
              ),
          },
        ],
      }),
    );
    const epoch = (e: number) => [
      `epochBegin ${e}`,
      ...Array.from({ length: BATCHES }, (_, b) => [`batchBegin ${b}`, `batchEnd ${b}`]).flat(),
      `epochEnd ${e}`,
      'async',
    ];
    expect(events).toEqual(['trainBegin', ...epoch(0), ...epoch(1), 'trainEnd']);

    for (const e of [0, 1]) {
      const logs = batchLogs.filter((l) => l.epoch === e);
      expect(logs.map((l) => l.batch)).toEqual(Array.from({ length: BATCHES }, (_, b) => b));
      expect(logs.map((l) => l.step)).toEqual(logs.map((l) => e * BATCHES + l.batch));
      expect(logs.every((l) => l.batchesPerEpoch === BATCHES)).toBe(true);
      expect(logs.map((l) => l.examplesSeen)).toEqual(logs.map((l) => (l.batch + 1) * BATCH));
      const lossSum = logs.reduce((s, l) => s + l.loss * l.size, 0);
      const accSum = logs.reduce((s, l) => s + l.acc * l.size, 0);
      const last = logs[logs.length - 1];
      expect(last.runningLoss).toBeCloseTo(lossSum / 192, 10);
      expect(last.runningAcc).toBeCloseTo(accSum / 192, 10);
      expect(records[e].loss).toBeCloseTo(last.runningLoss, 12);
      expect(records[e].trainAcc).toBeCloseTo(last.runningAcc, 12);
    }
  });

  test('same seed gives the same history and weights; readbackEvery does not change results', async () => {
    const a = model();
    const b = model();
    const c = model();
    const ra = await train(a, options());
    const rb = await train(b, options());
    const batchesSeen: number[] = [];
    const rc = await train(
      c,
      options({ readbackEvery: 4, callbacks: { onBatchEnd: (batch) => void batchesSeen.push(batch) } }),
    );
    expect(metrics(rb.history)).toEqual(metrics(ra.history));
    expect(metrics(rc.history)).toEqual(metrics(ra.history));
    expect(await weightsOf(b)).toEqual(await weightsOf(a));
    expect(await weightsOf(c)).toEqual(await weightsOf(a));
    expect(batchesSeen).toEqual(Array.from({ length: 3 }, () => Array.from({ length: BATCHES }, (_, i) => i)).flat());
  });

  test('dropout is reproducible: same seed → same weights, another seed → other weights', async () => {
    const run = async (seed: number) => {
      const m = model({ dropout: 0.5 });
      const { history } = await train(m, options({ seed, epochs: 2 }));
      return { history: metrics(history), weights: await weightsOf(m) };
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(b).toEqual(a);
    expect(c.weights).not.toEqual(a.weights);
  });

  test('no tensors leak: the count is the same after every epoch and after training', async () => {
    for (const optimizer of [
      { name: 'sgd', lr: 0.1, weightDecay: 1e-3 },
      { name: 'momentum', lr: 0.05 },
      { name: 'adam', lr: 0.01 },
    ] as const) {
      const m = model({ dropout: 0.3 });
      const before = tf.memory().numTensors;
      const { history } = await train(m, options({ optimizer }));
      expect(tf.memory().numTensors).toBe(before);
      expect(new Set(history.map((r) => r.numTensors)).size).toBe(1);
      m.dispose();
    }
  });

  test.each([
    ['momentum', { name: 'momentum', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 }],
    ['adam', { name: 'adam', lr: 0.01 }],
  ] as const)('%s learns too', async (_name, optimizer) => {
    const { history, config } = await train(model(), options({ optimizer, epochs: 3 }));
    expect(history[2].loss).toBeLessThan(history[0].loss);
    expect(history[2].testAcc).toBeGreaterThan(0.9);
    expect(config.optimizer.name).toBe(optimizer.name);
  });

  test('a schedule is called with the global step and described in the config', async () => {
    const lr = piecewiseConstant({ boundaries: [BATCHES], values: [0.3, 0.03] });
    const { history, config } = await train(model(), options({ epochs: 2, optimizer: { name: 'sgd', lr } }));
    expect(history.map((r) => r.lr)).toEqual([0.3, 0.03]);
    expect(config.optimizer.lr).toEqual({ type: 'piecewise-constant', boundaries: [BATCHES], values: [0.3, 0.03] });
    const custom = await train(
      model(),
      options({
        epochs: 1,
        optimizer: {
          name: 'sgd',
          lr: function halfLife(step) {
            return 0.1 / (1 + step);
          },
        },
      }),
    );
    expect(custom.config.optimizer.lr).toMatchObject({ type: 'custom', name: 'halfLife' });
    expect(custom.history[0].lr).toBeCloseTo(0.1 / BATCHES, 12);
  });

  test('a NaN or infinite loss stops training with NonFiniteLossError naming epoch and batch', async () => {
    // Epoch 0 trains normally; from the first step of epoch 1 the rate is absurd.
    const lr = piecewiseConstant({ boundaries: [BATCHES], values: [0.1, 1e30] });
    const ends: BatchEndLogs[] = [];
    const epochEnds: number[] = [];
    const err = await train(
      model(),
      options({
        optimizer: { name: 'momentum', lr },
        epochs: 3,
        callbacks: { onBatchEnd: (_b, logs) => void ends.push(logs), onEpochEnd: (e) => void epochEnds.push(e) },
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    const nan = err as NonFiniteLossError;
    expect(nan.epoch).toBe(1);
    expect(Number.isFinite(nan.loss)).toBe(false);
    expect(nan.learningRate).toBe(1e30);
    expect(nan.message).toMatch(/epoch 1, batch \d+/);
    expect(nan.message).toMatch(/[Ll]ower the learning rate/);
    // Nothing from the bad batch on is reported.
    expect(epochEnds).toEqual([0]);
    expect(ends.every((l) => Number.isFinite(l.loss) && Number.isFinite(l.runningLoss))).toBe(true);
    const last = ends[ends.length - 1];
    expect(last.epoch === 1 ? last.batch : -1).toBe(nan.batch - 1);
    expect(nan.step).toBe(BATCHES + nan.batch);
  });

  test('a divergence caused by the weight decay blames the weight decay, not the learning rate', async () => {
    const err = await train(model(), options({ optimizer: { name: 'sgd', lr: 0.1, weightDecay: 1e3 }, epochs: 3 })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NonFiniteLossError);
    const nan = err as NonFiniteLossError;
    expect(nan.weightDecay).toBe(1e3);
    expect(nan.message).toMatch(/weight decay 1000\). The weight decay is the likely cause: learning rate × weight decay is 100/);
    expect(nan.message).toMatch(/lower the weight decay/);
    expect(nan.message).not.toMatch(/Lower the learning rate/);
  });

  test('an abort from a callback stops at the next batch and reports where', async () => {
    const controller = new AbortController();
    const err = await train(
      model(),
      options({
        signal: controller.signal,
        callbacks: { onBatchEnd: (b, logs) => void (logs.epoch === 1 && b === 2 && controller.abort('stop')) },
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingAbortedError);
    const aborted = err as TrainingAbortedError;
    expect([aborted.epoch, aborted.batch, aborted.step]).toEqual([1, 3, BATCHES + 3]);
    expect(aborted.history).toHaveLength(1);
    expect(aborted.checkpointPath).toBeNull();
    expect(aborted.message).toMatch(/stop/);
  });

  test('an abort from a timer gets through while training (the loop yields to the event loop)', async () => {
    const controller = new AbortController();
    const err = await train(
      model(),
      options({
        epochs: 200,
        test: undefined,
        signal: controller.signal,
        callbacks: { onTrainBegin: () => void setTimeout(() => controller.abort(), 5) },
      }),
    ).catch((e: unknown) => e);
    // Without the yield the timer could only fire after all 200 epochs, and train would resolve.
    expect(err).toBeInstanceOf(TrainingAbortedError);
    expect((err as TrainingAbortedError).history.length).toBeLessThan(200);
  });

  test('an already aborted signal stops before the first batch', async () => {
    const m = model();
    const before = await weightsOf(m);
    const err = await train(m, options({ signal: AbortSignal.abort() })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingAbortedError);
    expect([(err as TrainingAbortedError).epoch, (err as TrainingAbortedError).step]).toEqual([0, 0]);
    expect(await weightsOf(m)).toEqual(before);
  });

  test('batchesPerEpoch bounds an endless dataset and must not exceed a finite one', async () => {
    const endless = dataset(trainData, BATCH).repeat();
    const { history } = await train(model(), options({ train: endless, batchesPerEpoch: 4, epochs: 2 }));
    expect(history.map((r) => r.batches)).toEqual([4, 4]);
    expect(history.map((r) => r.step)).toEqual([4, 8]);
    await expect(train(model(), options({ train: endless }))).rejects.toThrow(/endless.*batchesPerEpoch/);
    await expect(train(model(), options({ batchesPerEpoch: BATCHES + 1 }))).rejects.toThrow(
      `the train dataset of epoch 0 ended after ${BATCHES} batches, but batchesPerEpoch is ${BATCHES + 1}`,
    );
  });

  test('a function of the epoch is accepted as train data', async () => {
    const epochsAsked: number[] = [];
    const { history } = await train(
      model(),
      options({
        train: (epoch) => {
          epochsAsked.push(epoch);
          return dataset(trainData, BATCH, `order-${epoch}`);
        },
      }),
    );
    expect(epochsAsked).toEqual([0, 1, 2]);
    expect(history).toHaveLength(3);
  });

  test('bad input is a clear error naming the input, the value and what was expected', async () => {
    const m = model();
    await expect(train(m, { ...options(), epoch: 3 } as unknown as TrainOptions)).rejects.toThrow(
      /unknown option "epoch"/,
    );
    await expect(train(m, options({ epochs: 0 }))).rejects.toThrow(
      'epochs must be an integer in [1, 9007199254740991], got 0',
    );
    await expect(
      train(m, options({ optimizer: { name: 'rmsprop', lr: 1 } as unknown as TrainOptions['optimizer'] })),
    ).rejects.toThrow(`optimizer.name must be one of 'sgd', 'momentum', 'adam', got "rmsprop"`);
    await expect(train(m, options({ optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 } }))).rejects.toThrow(
      /optimizer.momentum does not apply to optimizer 'sgd'/,
    );
    await expect(train(m, options({ optimizer: { name: 'sgd', lr: -1 } }))).rejects.toThrow(
      /optimizer.lr must be .* got -1/,
    );
    await expect(train(m, options({ optimizer: { name: 'sgd', lr: () => NaN } }))).rejects.toThrow(
      'optimizer.lr(0) must return a finite number >= 0, got NaN',
    );
    await expect(train(m, options({ train: [1, 2] as unknown as TrainOptions['train'] }))).rejects.toThrow(
      /train must be a tf.data.Dataset .* got an array of length 2/,
    );
    const wrongLabels = dataset(trainData, BATCH).map((b) => ({ xs: b.xs, ys: tf.concat([b.ys, b.ys], 1) }));
    await expect(train(m, options({ train: wrongLabels }))).rejects.toThrow(
      'train dataset, epoch 0, batch 0: ys has shape [32, 6] but one-hot labels of shape [32, 3]',
    );
    const wrongInputs = dataset(trainData, BATCH).map((b) => ({ xs: b.xs.reshape([-1, 2, 8, 1]), ys: b.ys }));
    await expect(train(m, options({ train: wrongInputs }))).rejects.toThrow(
      'train dataset, epoch 0, batch 0: xs has shape [32, 2, 8, 1] but the model expects [batch, 4, 4, 1]',
    );
    await expect(train(m, options({ resume: true }))).rejects.toThrow(/resume: true needs checkpointDir/);
  });
});
