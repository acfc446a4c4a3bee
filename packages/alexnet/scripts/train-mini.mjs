#!/usr/bin/env node
// The alexnet-mini claim, measured: trains alexnet-mini on the real Fashion-MNIST with model.fit on
// the wasm backend (the training kernels come from @zoo/backend), reports test accuracy after every
// epoch, then times training steps of alexnet-mini at 28 px against D2L's alexnet at 224 px on the
// same backend, per example.
//
//   pnpm --filter @zoo/alexnet build && node packages/alexnet/scripts/train-mini.mjs
//   options (the settings of its measurement in docs/models.md; the shipped weights' longer recipe is
//   ALEXNET_MODELS['alexnet-mini'].training, run by packages/models/scripts/train-pretrained.ts): --epochs 4 --batch 64
//            --lr 0.001 --lr-drop 3 --seed 1 --backend wasm --limit 60000
//            --filters 24,48,64,64,48 --units 256,256 --dropout 0.3 --out result.json
//            --data DIR (default $ZOO_DATA_DIR or /usr/share/datasets/fashion-mnist)
//
// The data: `apt-get install dataset-fashion-mnist` (four .gz IDX files).
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@zoo/backend';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { alexnet, ALEXNET_MODELS } from '../dist/index.js';

const info = ALEXNET_MODELS['alexnet-mini'];
const { values: opts } = parseArgs({
  options: {
    epochs: { type: 'string', default: '4' },
    batch: { type: 'string', default: String(info.training.batchSize) },
    lr: { type: 'string', default: String(info.training.learningRate) },
    'lr-drop': { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'wasm' },
    limit: { type: 'string', default: '60000' },
    filters: { type: 'string' },
    units: { type: 'string' },
    dropout: { type: 'string' },
    data: { type: 'string', default: process.env.ZOO_DATA_DIR ?? '/usr/share/datasets/fashion-mnist' },
    out: { type: 'string' },
  },
});
const list = (s) => (s === undefined ? undefined : s.split(',').filter((v) => v !== '').map(Number));
const lrDrops = list(opts['lr-drop']);

/** An IDX file (LeCun's MNIST format): big-endian magic, dimension sizes, then unsigned bytes. */
function readIdx(path) {
  const bytes = gunzipSync(readFileSync(path));
  const rank = bytes[3];
  const dims = Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  return { dims, data: bytes.subarray(4 + 4 * rank) };
}

function loadSplit(prefix, limit) {
  const images = readIdx(join(opts.data, `${prefix}-images-idx3-ubyte.gz`));
  const labels = readIdx(join(opts.data, `${prefix}-labels-idx1-ubyte.gz`));
  const n = Math.min(limit, images.dims[0]);
  const [h, w] = images.dims.slice(1);
  const pixels = Float32Array.from(images.data.subarray(0, n * h * w), (v) => v / 255);
  return tf.tidy(() => ({
    x: tf.tensor4d(pixels, [n, h, w, 1]),
    y: tf.oneHot(tf.tensor1d(Int32Array.from(labels.data.subarray(0, n)), 'int32'), 10),
    n,
  }));
}

/** Examples per second of training steps on one fixed batch, after a warm-up step. */
async function stepsPerSecond(model, batch, size, steps) {
  const [x, y] = tf.tidy(() => [tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 5), tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10)]);
  await model.trainOnBatch(x, y);
  const start = performance.now();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
  const seconds = (performance.now() - start) / 1000;
  tf.dispose([x, y]);
  return (batch * steps) / seconds;
}

const backend = await initBackend({ backend: opts.backend });
console.log(`backend: ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'}) on ${cpus().length} cores${backend.fallbacks.length ? `; skipped ${backend.fallbacks.map((f) => `${f.name}: ${f.reason}`).join('; ')}` : ''}`);

const train = loadSplit('train', Number(opts.limit));
const test = loadSplit('t10k', 10000);
const config = { variant: 'alexnet-mini', seed: Number(opts.seed), filters: list(opts.filters), units: list(opts.units), dropout: opts.dropout === undefined ? undefined : Number(opts.dropout) };
for (const k of Object.keys(config)) if (config[k] === undefined) delete config[k];
const model = alexnet(config);
model.compile({ optimizer: tf.train.adam(Number(opts.lr)), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
console.log(`alexnet-mini ${JSON.stringify(config)}: ${model.countParams().toLocaleString('en-US')} parameters; ${train.n} train / ${test.n} test images; batch ${opts.batch}, adam lr ${opts.lr}${lrDrops.length ? `, divided by 10 after epoch ${lrDrops.join(', ')}` : ''}`);

const epochs = [];
let epochStart = performance.now();
const trainStart = performance.now();
await model.fit(train.x, train.y, {
  epochs: Number(opts.epochs),
  batchSize: Number(opts.batch),
  shuffle: true,
  verbose: 0,
  callbacks: {
    onEpochBegin: async (epoch) => {
      // The 2012 paper's schedule: divide the learning rate by 10 (there, when validation error
      // stopped improving; here, after fixed epochs). Adam reads learningRate at every step.
      model.optimizer.learningRate = Number(opts.lr) / 10 ** lrDrops.filter((e) => epoch >= e).length;
      epochStart = performance.now();
    },
    onEpochEnd: async (epoch, logs) => {
      const seconds = (performance.now() - epochStart) / 1000;
      const [loss, acc] = model.evaluate(test.x, test.y, { batchSize: 1000 });
      const row = {
        epoch: epoch + 1,
        trainLoss: logs.loss,
        trainAccuracy: logs.acc,
        testLoss: loss.dataSync()[0],
        testAccuracy: acc.dataSync()[0],
        seconds,
        examplesPerSecond: train.n / seconds,
        learningRate: model.optimizer.learningRate,
      };
      tf.dispose([loss, acc]);
      epochs.push(row);
      console.log(
        `epoch ${row.epoch}: train loss ${row.trainLoss.toFixed(3)} acc ${row.trainAccuracy.toFixed(3)} | test loss ${row.testLoss.toFixed(3)} acc ${row.testAccuracy.toFixed(4)} | ${row.seconds.toFixed(0)} s, ${row.examplesPerSecond.toFixed(0)} ex/s`,
      );
    },
  },
});
const trainSeconds = (performance.now() - trainStart) / 1000;
tf.dispose([train.x, train.y, test.x, test.y]);

// Same backend, same way of stepping (trainOnBatch, SGD as D2L), per example.
model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
const miniRate = await stepsPerSecond(model, 128, 28, 5);
model.dispose();
const big = alexnet({ seed: 1 });
big.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
const bigRate = await stepsPerSecond(big, 16, 224, 2);
big.dispose();

const final = epochs[epochs.length - 1];
const result = {
  model: 'alexnet-mini',
  config,
  recipe: { optimizer: 'adam', learningRate: Number(opts.lr), lrDropEpochs: lrDrops, batchSize: Number(opts.batch), epochs: Number(opts.epochs), seed: Number(opts.seed), input: 'pixels / 255' },
  backend,
  epochs,
  trainSeconds,
  testAccuracy: final.testAccuracy,
  speed: { miniExamplesPerSecond: miniRate, alexnet224ExamplesPerSecond: bigRate, ratio: miniRate / bigRate },
  date: new Date().toISOString(),
};
console.log(
  `test accuracy ${final.testAccuracy.toFixed(4)} after ${epochs.length} epochs (${(trainSeconds / 60).toFixed(1)} min); training speed: alexnet-mini ${miniRate.toFixed(1)} ex/s, alexnet@224 ${bigRate.toFixed(2)} ex/s, ${(miniRate / bigRate).toFixed(0)}x`,
);
if (opts.out) writeFileSync(opts.out, JSON.stringify(result, null, 2));
const ok = final.testAccuracy >= 0.9 && miniRate / bigRate >= 10;
console.log(ok ? 'PASS: >= 0.90 test accuracy and >= 10x faster per example' : 'FAIL: below 0.90 test accuracy or under 10x');
process.exitCode = ok ? 0 : 1;
