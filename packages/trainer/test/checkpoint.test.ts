import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileIOHandler } from '@zoo/layers/node';
import { CheckpointError, TrainingAbortedError, type TrainOptions } from '../src';
import { latestCheckpoint, train } from '../src/node';
import { dataset, metrics, model, removeDir, SIDE, synthetic, tempDir, weightsOf } from './helpers';

const trainData = synthetic(160, 21);
const testData = synthetic(64, 22);
const BATCH = 32;
const BATCHES = 5;
const EPOCHS = 4;

let dir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

/** Momentum, weight decay, dropout, a step schedule and shuffled data: everything that has state. */
function options(overrides: Partial<TrainOptions> = {}): TrainOptions {
  return {
    train: dataset(trainData, BATCH, 'shuffle-seed'),
    test: dataset(testData, BATCH),
    epochs: EPOCHS,
    seed: 5,
    optimizer: { name: 'momentum', lr: (step) => (step < 12 ? 0.1 : 0.02), momentum: 0.9, weightDecay: 5e-4 },
    ...overrides,
  };
}

async function uninterrupted(overrides: Partial<TrainOptions> = {}) {
  const m = model({ dropout: 0.25 });
  const { history } = await train(m, options(overrides));
  return { history: metrics(history), weights: await weightsOf(m) };
}

/** Runs until `abortWhen` fires, then resumes in a model with other initial weights. */
async function interruptedThenResumed(
  abortWhen: (controller: AbortController) => TrainOptions['callbacks'],
  overrides: Partial<TrainOptions> = {},
) {
  const controller = new AbortController();
  const first = model({ dropout: 0.25 });
  const err = await train(
    first,
    options({ ...overrides, checkpointDir: dir, signal: controller.signal, callbacks: abortWhen(controller) }),
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TrainingAbortedError);
  const aborted = err as TrainingAbortedError;
  expect(aborted.checkpointPath).not.toBeNull();

  const second = model({ dropout: 0.25, seed: 99 });
  const { history, config } = await train(second, options({ ...overrides, checkpointDir: dir, resume: true }));
  expect(config.resumedFrom).toBe(aborted.checkpointPath);
  return { aborted, history: metrics(history), weights: await weightsOf(second) };
}

describe('checkpoints and resume', () => {
  test('abort after an epoch, resume: same history and weights as an uninterrupted run', async () => {
    const reference = await uninterrupted();
    const resumed = await interruptedThenResumed((c) => ({ onEpochEnd: (e) => void (e === 1 && c.abort()) }));
    expect([resumed.aborted.epoch, resumed.aborted.batch]).toEqual([2, 0]);
    expect(path.basename(resumed.aborted.checkpointPath as string)).toBe('ckpt-e0002-b000000');
    expect(resumed.history).toEqual(reference.history);
    expect(resumed.weights).toEqual(reference.weights);
  });

  test('abort in the middle of an epoch, resume: the same, with data given as a function of the epoch', async () => {
    const train = (epoch: number) => dataset(trainData, BATCH, `epoch-${epoch}`);
    const reference = await uninterrupted({ train });
    const resumed = await interruptedThenResumed(
      (c) => ({ onBatchEnd: (b, logs) => void (logs.epoch === 2 && b === 1 && c.abort()) }),
      { train },
    );
    expect([resumed.aborted.epoch, resumed.aborted.batch, resumed.aborted.step]).toEqual([2, 2, 2 * BATCHES + 2]);
    expect(resumed.history).toEqual(reference.history);
    expect(resumed.weights).toEqual(reference.weights);
  });

  test('abort during the evaluation after an epoch, resume: the same', async () => {
    const reference = await uninterrupted();
    let controller: AbortController | undefined;
    const test = (epoch: number) => {
      if (epoch === 1) controller?.abort();
      return dataset(testData, BATCH);
    };
    const resumed = await interruptedThenResumed(
      (c) => {
        controller = c;
        return {};
      },
      { test },
    );
    expect([resumed.aborted.epoch, resumed.aborted.batch]).toEqual([1, BATCHES]);
    expect(resumed.history).toEqual(reference.history);
    expect(resumed.weights).toEqual(reference.weights);
  });

  test('adam state survives a resume exactly', async () => {
    const optimizer = { name: 'adam', lr: 0.01, weightDecay: 1e-4 } as const;
    const reference = await uninterrupted({ optimizer });
    const resumed = await interruptedThenResumed((c) => ({ onEpochEnd: (e) => void (e === 0 && c.abort()) }), {
      optimizer,
    });
    expect(resumed.history).toEqual(reference.history);
    expect(resumed.weights).toEqual(reference.weights);
  });

  test('the directory holds latest.json and the newest complete checkpoint, nothing half-written', async () => {
    await fs.mkdir(path.join(dir, '.tmp-ckpt-e0001-b000000-1-dead'), { recursive: true });
    const { history, checkpointPath } = await train(model(), options({ checkpointDir: dir, epochs: 2 }));
    expect((await fs.readdir(dir)).sort()).toEqual(['ckpt-e0002-b000000', 'latest.json']);
    expect(checkpointPath).toBe(path.join(dir, 'ckpt-e0002-b000000'));
    expect((await fs.readdir(checkpointPath as string)).sort()).toEqual([
      'manifest.json',
      'model.json',
      'optimizer.bin',
      'weights.bin',
    ]);
    const info = await latestCheckpoint(dir);
    expect(info?.position).toEqual({ epoch: 2, batch: 0, step: 2 * BATCHES });
    expect(info?.history).toEqual(history);
    expect(info?.config.optimizer.lr).toMatchObject({ type: 'custom' });
    const manifest = JSON.parse(await fs.readFile(path.join(checkpointPath as string, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'zoo-trainer-checkpoint', formatVersion: 1, rng: { seed: 5, step: 10 } });
    expect(manifest.fingerprint.layers.map((l: { name: string }) => l.name)).toEqual(['flatten', 'fc1', 'predictions']);
    expect(await latestCheckpoint(path.join(dir, 'nothing-here'))).toBeNull();
  });

  test('tf.loadLayersModel opens a checkpoint: the trained weights, predicting as the trained model does', async () => {
    const trained = model();
    const { checkpointPath } = await train(trained, options({ checkpointDir: dir, epochs: 1 }));
    const opened = await tf.loadLayersModel(fileIOHandler(checkpointPath as string));
    expect(await weightsOf(opened)).toEqual(await weightsOf(trained));
    const x = tf.tensor4d(trainData.x.slice(0, 4).flat(), [4, SIDE, SIDE, 1]);
    const [a, b] = [trained.predict(x) as tf.Tensor, opened.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    opened.dispose();
  });

  test('keepCheckpoints keeps that many', async () => {
    await train(model(), options({ checkpointDir: dir, epochs: 3, keepCheckpoints: 2 }));
    expect((await fs.readdir(dir)).sort()).toEqual(['ckpt-e0002-b000000', 'ckpt-e0003-b000000', 'latest.json']);
  });

  test('a fresh run refuses a directory that holds a checkpoint; resume needs one', async () => {
    await expect(train(model(), options({ checkpointDir: dir, resume: true }))).rejects.toThrow(CheckpointError);
    await expect(train(model(), options({ checkpointDir: dir, resume: true }))).rejects.toThrow(/holds no checkpoint/);
    await train(model(), options({ checkpointDir: dir, epochs: 1 }));
    await expect(train(model(), options({ checkpointDir: dir, epochs: 2 }))).rejects.toThrow(
      /already holds a checkpoint .* pass resume: true/,
    );
  });

  test('a crash while the first checkpoint is written leaves nothing that counts, and it is swept', async () => {
    // What kill -9 during the first checkpoint leaves: a temporary folder with part of the files.
    const tmp = path.join(dir, '.tmp-ckpt-e0001-b000000-4242-beef');
    await fs.mkdir(tmp);
    await fs.writeFile(path.join(tmp, 'weights.bin'), Buffer.alloc(100));
    await fs.writeFile(path.join(dir, '.tmp-latest.json-4242-beef'), '{"checkp');
    expect(await latestCheckpoint(dir)).toBeNull();
    await expect(train(model(), options({ checkpointDir: dir, resume: true }))).rejects.toThrow(/holds no checkpoint/);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  test('a crash between renaming a checkpoint into place and writing latest.json: resume takes that checkpoint', async () => {
    const reference = await uninterrupted();
    const controller = new AbortController();
    await train(
      model({ dropout: 0.25 }),
      options({ checkpointDir: dir, signal: controller.signal, callbacks: { onEpochEnd: (e) => void (e === 1 && controller.abort()) } }),
    ).catch(() => undefined);
    // As if the run died before latest.json was first written: only the complete folder is there.
    await fs.rm(path.join(dir, 'latest.json'));
    expect((await latestCheckpoint(dir))?.path).toBe(path.join(dir, 'ckpt-e0002-b000000'));
    const m = model({ dropout: 0.25, seed: 99 });
    const { history } = await train(m, options({ checkpointDir: dir, resume: true }));
    expect(metrics(history)).toEqual(reference.history);
    expect(await weightsOf(m)).toEqual(reference.weights);
  });

  test('a mid-epoch checkpoint refuses another batch size or another amount of data', async () => {
    const controller = new AbortController();
    await train(
      model(),
      options({
        checkpointDir: dir,
        signal: controller.signal,
        callbacks: { onBatchEnd: (b, logs) => void (logs.epoch === 1 && b === 1 && controller.abort()) },
      }),
    ).catch(() => undefined);
    expect((await latestCheckpoint(dir))?.position).toMatchObject({ epoch: 1, batch: 2 });
    // Another batch size: 10 batches of 16 in the epoch where the checkpoint saw 5 of 32.
    await expect(
      train(model(), options({ checkpointDir: dir, resume: true, train: dataset(trainData, 16, 'shuffle-seed') })),
    ).rejects.toThrow(/taken after batch 2 of an epoch of 5 batches, but the train dataset of epoch 1 has 10/);
    // The same batch size on fewer examples.
    const fewer = synthetic(128, 21);
    await expect(
      train(model(), options({ checkpointDir: dir, resume: true, train: dataset(fewer, BATCH, 'shuffle-seed') })),
    ).rejects.toThrow(/an epoch of 5 batches, but the train dataset of epoch 1 has 4/);
    // A dataset of unknown length in another batch size still cannot slip through.
    const unknownLength = () => dataset(trainData, 16, 'shuffle-seed').filter(() => true);
    await expect(train(model(), options({ checkpointDir: dir, resume: true, train: unknownLength }))).rejects.toThrow(
      /taken after 64 examples \(2 batches\) of epoch 1, but 2 batches of this train dataset hold 32/,
    );
  });

  describe('a corrupt or mismatched checkpoint is a clear error', () => {
    let ckpt: string;
    beforeEach(async () => {
      await train(model({ dropout: 0.25 }), options({ checkpointDir: dir, epochs: 1 }));
      ckpt = path.join(dir, 'ckpt-e0001-b000000');
    });
    const resume = (overrides: Partial<TrainOptions> = {}, m = model({ dropout: 0.25 })) =>
      train(m, options({ checkpointDir: dir, resume: true, ...overrides }));

    test('a flipped byte in the weights', async () => {
      const file = path.join(ckpt, 'weights.bin');
      const bytes = await fs.readFile(file);
      bytes[17] ^= 0x40;
      await fs.writeFile(file, bytes);
      await expect(resume()).rejects.toThrow(
        /weights.bin: has SHA-256 \w+ but the manifest says \w+: the file is corrupt/,
      );
    });

    test('a truncated optimizer file', async () => {
      const file = path.join(ckpt, 'optimizer.bin');
      await fs.truncate(file, 10);
      await expect(resume()).rejects.toThrow(/optimizer.bin: has 10 bytes but the manifest says \d+/);
    });

    test('a damaged manifest, and one from another format version', async () => {
      const file = path.join(ckpt, 'manifest.json');
      const text = await fs.readFile(file, 'utf8');
      await fs.writeFile(file, text.slice(0, text.length / 2));
      await expect(resume()).rejects.toThrow(/manifest.json: is not valid JSON/);
      await fs.writeFile(file, text.replace('"formatVersion": 1', '"formatVersion": 7'));
      await expect(resume()).rejects.toThrow(/has format version 7; this trainer reads version 1/);
    });

    test('latest.json naming a checkpoint that is gone', async () => {
      await fs.rm(ckpt, { recursive: true });
      await expect(resume()).rejects.toThrow(/ckpt-e0001-b000000: is named by .*latest.json but has no manifest.json/);
    });

    test('another architecture, optimizer or seed', async () => {
      await expect(resume({}, model({ dropout: 0.25, hidden: 12 }))).rejects.toThrow(
        /another model architecture: layer 1 is Dense 'fc1' with weights \[16, 16\] \[16\] in the checkpoint but Dense 'fc1' with weights \[16, 12\] \[12\]/,
      );
      await expect(resume({}, model())).rejects.toThrow(/layer 2 is Dropout 'drop1' .* but Dense 'predictions'/);
      await expect(resume({ optimizer: { name: 'adam', lr: 0.01 } })).rejects.toThrow(
        /holds the state of optimizer 'momentum' but this run uses 'adam'/,
      );
      await expect(resume({ seed: 6 })).rejects.toThrow(/seed is 6 but the checkpoint .* was trained with seed 5/);
      // Another model with another seed: the architecture is the news.
      await expect(resume({ seed: 6 }, model({ dropout: 0.25, hidden: 12 }))).rejects.toThrow(/another model architecture/);
    });

    test('nothing is changed by a failed resume', async () => {
      const m = model({ dropout: 0.25, seed: 3 });
      const before = await weightsOf(m);
      const count = tf.memory().numTensors;
      await expect(resume({ optimizer: { name: 'sgd', lr: 0.1 } }, m)).rejects.toThrow(CheckpointError);
      expect(await weightsOf(m)).toEqual(before);
      expect(tf.memory().numTensors).toBe(count);
    });
  });
});
