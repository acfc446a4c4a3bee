/**
 * Measures the data pipeline alone: one epoch (or --batches N) of `toDataset` on a backend, batches
 * made and disposed, nothing trained. Prints one JSON line; exits 1 if peak RSS reaches --max-rss-mib.
 *
 *   pnpm --filter @zoo/datasets bench --backend wasm --resize 224 --batch 128
 *   options: --backend wasm|cpu (wasm)  --resize N (224)  --batch N (128)  --batches N (whole epoch)
 *            --data real|random (real: Fashion-MNIST train, found as loadFashionMnist finds it)
 *            --augment (flip + crop 2)  --max-rss-mib N (1536)
 */
import { readFileSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { toDataset, type Split } from '../src';
import { describeSource, loadFashionMnist } from '../src/node';

// `pnpm bench -- --flag` passes the `--` through; accept it.
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    backend: { type: 'string', default: 'wasm' },
    resize: { type: 'string', default: '224' },
    batch: { type: 'string', default: '128' },
    batches: { type: 'string' },
    data: { type: 'string', default: 'real' },
    augment: { type: 'boolean', default: false },
    'max-rss-mib': { type: 'string', default: '1536' },
  },
});

function statusMiB(field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

// tfjs prints a hint about tfjs-node on the cpu backend's first tensor; it is noise in a JSON report.
const quiet = console.warn;
console.warn = () => {};
if (!(await tf.setBackend(values.backend))) throw new Error(`backend ${values.backend} failed to initialise`);
await tf.ready();
tf.dispose(tf.zeros([1]));
console.warn = quiet;

let split: Split;
let source = 'random bytes';
const loadStart = performance.now();
if (values.data === 'real') {
  const data = await loadFashionMnist({ download: false });
  split = data.train;
  source = describeSource(data.source);
} else {
  const count = 60000;
  split = { images: randomFillSync(new Uint8Array(count * 784)), labels: new Uint8Array(count).map((_, i) => i % 10), count, height: 28, width: 28 };
}
const loadSeconds = (performance.now() - loadStart) / 1000;
const rssAfterLoad = statusMiB('VmRSS');

const resize = Number(values.resize);
const batchSize = Number(values.batch);
const ds = toDataset(split, {
  batchSize,
  resize,
  shuffle: true,
  seed: 0,
  augment: values.augment ? { flip: true, crop: 2 } : undefined,
});
const batches = Math.min(Number(values.batches ?? ds.size), ds.size);
const tensorsBefore = tf.memory().numTensors;
const iterator = await ds.iterator();
let images = 0;
const start = performance.now();
for (let i = 0; i < batches; i++) {
  const { value } = await iterator.next();
  images += value.xs.shape[0];
  tf.dispose(value);
}
const seconds = (performance.now() - start) / 1000;
const report = {
  backend: tf.getBackend(),
  resize,
  batchSize,
  batches,
  images,
  seconds: Number(seconds.toFixed(2)),
  imagesPerSecond: Math.round(images / seconds),
  loadSeconds: Number(loadSeconds.toFixed(2)),
  rssAfterLoadMiB: Math.round(rssAfterLoad),
  peakRssMiB: Math.round(statusMiB('VmHWM')),
  tensorsLeaked: tf.memory().numTensors - tensorsBefore,
  data: source,
};
console.log(JSON.stringify(report));
if (!(report.peakRssMiB < Number(values['max-rss-mib']))) {
  console.error(`peak RSS ${report.peakRssMiB} MiB is not below ${values['max-rss-mib']} MiB`);
  process.exit(1);
}
