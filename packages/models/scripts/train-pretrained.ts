/**
 * Trains the zoo's shipped weights: each named model on the real Fashion-MNIST with `@zoo/trainer`
 * and the recipe in its registry `training` metadata, evaluated on the whole test split, written
 * with its manifest into the family package's `weights/<name>/`.
 *
 *   pnpm --filter @zoo/models train:pretrained alexnet-mini [lenet5 ...]
 *   options: --out DIR (default: packages/<family>/weights/<name>; with several models, DIR/<name>)
 *            --work DIR (checkpoints and logs; default packages/models/.train/<name>)
 *            --resume (continue from the latest checkpoint in --work after a crash)
 *            --snapshot (while a run trains: evaluate and write its latest epoch checkpoint, marked as
 *              interim in the manifest; the run itself is left alone)
 *            --epochs N (overrides the recipe, recorded in the manifest)
 *            --limit-train N / --limit-test N (smoke tests: a subset; recorded too)
 *            --threads N (wasm threads, default 2) --backend wasm|cpu (default wasm)
 *            --data DIR (default: where @zoo/datasets finds Fashion-MNIST)
 *
 * The same command re-creates the same weights: model, data order, augmentation and dropout all
 * draw from the recipe's seed.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend, type BackendChoice } from '@zoo/backend';
import { FASHION_MNIST_CLASSES, toDataset } from '@zoo/datasets';
import { describeSource, loadFashionMnist } from '@zoo/datasets/node';
import { DEFAULT_NORMALIZATION, type TrainingDefaults } from '@zoo/layers';
import { saveTrainedModel } from '@zoo/layers/node';
import { evaluate, recipeLearningRate, type OptimizerOptions } from '@zoo/trainer';
import { latestCheckpoint, train } from '@zoo/trainer/node';
import { createModel, getModelInfo, isModelName, type ModelName } from '../src/registry';
import { shippedWeightsDir } from '../src/node';
import { PRETRAINED_TARGETS } from '../src/pretrained';

const here = dirname(fileURLToPath(import.meta.url));

const argv = process.argv.slice(2);
const { values: opts, positionals } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    work: { type: 'string' },
    resume: { type: 'boolean', default: false },
    snapshot: { type: 'boolean', default: false },
    epochs: { type: 'string' },
    'limit-train': { type: 'string' },
    'limit-test': { type: 'string' },
    threads: { type: 'string', default: '2' },
    backend: { type: 'string', default: 'wasm' },
    data: { type: 'string' },
  },
});

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag}: expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

if (positionals.length === 0) throw new Error(`name the models to train, e.g. alexnet-mini; shipped: ${Object.keys(PRETRAINED_TARGETS).join(', ')}`);
for (const name of positionals) {
  if (!isModelName(name)) throw new Error(`unknown model '${name}'`);
}
const epochsOverride = positiveInt('epochs', opts.epochs);
const limitTrain = positiveInt('limit-train', opts['limit-train']);
const limitTest = positiveInt('limit-test', opts['limit-test']);
const threads = positiveInt('threads', opts.threads) ?? 2;

function optimizerFor(recipe: TrainingDefaults, stepsPerEpoch: number): OptimizerOptions {
  const lr = recipeLearningRate(recipe, stepsPerEpoch, recipe.epochs);
  const weightDecay = recipe.weightDecay ?? 0;
  if (recipe.optimizer === 'momentum') return { name: 'momentum', lr, momentum: recipe.momentum ?? 0.9, weightDecay };
  return { name: recipe.optimizer, lr, weightDecay };
}

function timestamp(): string {
  return new Date().toISOString().slice(11, 19);
}

async function trainOne(name: ModelName, data: Awaited<ReturnType<typeof loadFashionMnist>>, backendLine: string): Promise<void> {
  const info = getModelInfo(name);
  const recipe: TrainingDefaults = { ...info.training, ...(epochsOverride !== undefined ? { epochs: epochsOverride } : {}) };
  const seed = recipe.seed ?? 1;
  const work = resolve(opts.work !== undefined ? (positionals.length > 1 ? join(opts.work, name) : opts.work) : join(here, '..', '.train', name));
  const out = resolve(opts.out !== undefined ? (positionals.length > 1 ? join(opts.out, name) : opts.out) : shippedWeightsDir(name));
  mkdirSync(work, { recursive: true });
  const logFile = join(work, 'train.log');
  const log = (line: string) => {
    const text = `${timestamp()} ${name}: ${line}`;
    console.log(text);
    appendFileSync(logFile, `${text}\n`);
  };

  const config = { seed };
  const model = createModel(name, config);
  const trainData = toDataset(data.train, { batchSize: recipe.batchSize, shuffle: true, seed, augment: recipe.augment, limit: limitTrain, normalize: 'unit' });
  // Large test batches: evaluation is forward-only, and batch size does not change its result.
  const testData = toDataset(data.test, { batchSize: 500, limit: limitTest, normalize: 'unit' });
  const steps = trainData.batchesPerEpoch;
  const checkpointDir = join(work, 'checkpoints');
  const latest = await latestCheckpoint(checkpointDir);
  const resume = opts.resume && latest !== null;
  if (opts.snapshot && (latest === null || latest.position.batch !== 0)) throw new Error(`--snapshot: no end-of-epoch checkpoint in ${checkpointDir}`);
  // A snapshot trains nothing: it restores the running run's checkpoint, read-only, with the run's own schedule.
  const snapshotEpochs = opts.snapshot ? latest!.position.epoch : undefined;
  log(`${resume ? 'resuming' : 'starting'}: ${JSON.stringify(recipe)}; ${trainData.examplesPerEpoch} train / ${testData.examplesPerEpoch} test images, ${steps} steps per epoch; ${backendLine}`);

  let batchStart = performance.now();
  const result = await train(model, {
    train: trainData,
    test: testData,
    epochs: snapshotEpochs ?? recipe.epochs,
    optimizer: optimizerFor(recipe, steps),
    seed,
    ...(snapshotEpochs !== undefined ? { resumeFrom: latest!.path } : { checkpointDir, resume }),
    callbacks: {
      onEpochBegin: () => {
        batchStart = performance.now();
      },
      onBatchEnd: (batch, logs) => {
        if ((batch + 1) % 100 !== 0) return;
        const seconds = (performance.now() - batchStart) / 1000;
        log(`epoch ${logs.epoch + 1} batch ${batch + 1}/${steps}: loss ${logs.runningLoss.toFixed(4)} acc ${logs.runningAcc.toFixed(4)} lr ${logs.lr.toExponential(2)} ${logs.examplesPerSec.toFixed(0)} ex/s (${seconds.toFixed(0)} s)`);
      },
      onEpochEnd: (epoch, r) => {
        log(`epoch ${epoch + 1}/${recipe.epochs}: loss ${r.loss.toFixed(4)} train acc ${r.trainAcc.toFixed(4)} test loss ${r.testLoss?.toFixed(4)} test acc ${r.testAcc?.toFixed(4)} lr ${r.lr.toExponential(2)} ${r.seconds.toFixed(1)} s`);
      },
    },
  });
  const trainSeconds = result.history.reduce((s, r) => s + r.seconds, 0);
  const evaluation = await evaluate(model, testData);
  const target = PRETRAINED_TARGETS[name];
  const partial = limitTrain !== undefined || limitTest !== undefined || epochsOverride !== undefined || snapshotEpochs !== undefined;
  const command = [
    `pnpm --filter @zoo/models train:pretrained ${name}`,
    ...(epochsOverride !== undefined ? [`--epochs ${epochsOverride}`] : []),
    ...(limitTrain !== undefined ? [`--limit-train ${limitTrain}`] : []),
    ...(limitTest !== undefined ? [`--limit-test ${limitTest}`] : []),
    ...(threads !== 2 ? [`--threads ${threads}`] : []),
    ...(opts.backend !== 'wasm' ? [`--backend ${opts.backend}`] : []),
  ].join(' ');
  const manifest = await saveTrainedModel(model, out, {
    model: name,
    config,
    categories: [...FASHION_MNIST_CLASSES],
    input: { size: info.inputSize, channels: info.inChannels, layout: 'NHWC', normalization: DEFAULT_NORMALIZATION },
    dataset: 'fashion-mnist',
    testAccuracy: evaluation.accuracy,
    testLoss: evaluation.loss,
    testExamples: evaluation.examples,
    recipe,
    command,
    backend: backendLine,
    trainSeconds: Math.round(trainSeconds * 10) / 10,
    ...(target !== undefined && !partial ? { target: { testAccuracy: target, met: evaluation.accuracy >= target } } : {}),
    ...(snapshotEpochs !== undefined
      ? { note: `interim snapshot after epoch ${snapshotEpochs} of ${recipe.epochs}, taken while the run trained on; the command re-creates the finished weights` }
      : target !== undefined && !partial && evaluation.accuracy < target
        ? { note: `missed its target: test accuracy ${evaluation.accuracy.toFixed(4)} < ${target}` }
        : {}),
    history: result.history.map((r) => ({ epoch: r.epoch, loss: r.loss, trainAcc: r.trainAcc, testLoss: r.testLoss, testAcc: r.testAcc, lr: r.lr, seconds: r.seconds })),
  });
  const verdict = target === undefined ? '' : evaluation.accuracy >= target ? ` (target ${target}: met)` : ` (target ${target}: MISSED)`;
  log(`done: test accuracy ${evaluation.accuracy.toFixed(4)} loss ${evaluation.loss.toFixed(4)} on ${evaluation.examples} images${verdict}; ${trainSeconds.toFixed(0)} s training; ${manifest.bytes} bytes of weights, sha256 ${manifest.sha256.slice(0, 16)}…; written to ${out}`);
  model.dispose();
}

async function main(): Promise<void> {
  const backend = await initBackend({ backend: opts.backend as BackendChoice, threads });
  const backendLine = `${describeBackend(backend)}; tfjs ${tf.version.tfjs}`;
  const data = await loadFashionMnist({ dir: opts.data, download: false });
  console.log(`data: ${describeSource(data.source)}`);
  for (const name of positionals as ModelName[]) await trainOne(name, data, backendLine);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
