import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@zoo/backend';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { scaledMaxError } from '@zoo/test-kit';
import { createModel, listModels, type AlexNetVariant, type ModelInfo } from '../src';

// Every registered variant trains on WebGPU as it does on cpu: same weights, same batch, a few SGD
// steps, the same losses and the same weights after. At the variant's smallest input and (AlexNets)
// at reduced width, so Mesa's software Vulkan in CI gets through it; the layer types are the variant's.

type Probe = { ok: true } | { ok: false; reason: string };

// Whether WebGPU starts must be known before the tests are defined, hence a child process asking
// @zoo/backend itself.
function probeWebGpu(): Probe {
  const script = `require('@zoo/backend').initBackend({ backend: 'webgpu' }).then(
    () => { console.log(JSON.stringify({ ok: true })); process.exit(0); },
    (e) => { console.log(JSON.stringify({ ok: false, reason: e.message })); process.exit(0); });`;
  try {
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: resolve(__dirname, '..'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 120_000,
    });
    return JSON.parse(out.trim().split('\n').pop() ?? '') as Probe;
  } catch (err) {
    return { ok: false, reason: `the WebGPU probe failed: ${String((err as Error).message).split('\n')[0]}` };
  }
}

const probe = probeWebGpu();
if (!probe.ok) {
  if (process.env.ZOO_REQUIRE_WEBGPU === '1') throw new Error(`ZOO_REQUIRE_WEBGPU=1 but WebGPU cannot start: ${probe.reason}`);
  // Straight to stderr: Jest drops console output of a file whose tests are all skipped.
  process.stderr.write(`WebGPU registry tests skipped: ${probe.reason}\n`);
}
const itGpu = probe.ok ? it : it.skip;

const STEPS = 3;
const BATCH = 4;

/** The variant at its smallest input; AlexNets at a fraction of their width (group-divisible), 10 classes. */
function build(info: ModelInfo): tf.LayersModel {
  const common = { inputSize: info.minInputSize, numClasses: 10, dropout: 0, seed: 5 };
  if (info.family === 'alexnet') return createModel(info.name as AlexNetVariant, { ...common, filters: [8, 16, 24, 24, 16], units: [32, 32] });
  return createModel(info.name, common);
}

interface Run {
  losses: number[];
  weights: Float32Array[];
}

async function train(backend: string, info: ModelInfo, initial: Float32Array[], x: Float32Array, labels: number[]): Promise<Run> {
  await tf.setBackend(backend);
  const model = build(info);
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(initial[i], w.shape)));
  model.compile({ optimizer: tf.train.sgd(info.family === 'lenet' ? 0.3 : 0.05), loss: 'categoricalCrossentropy' });
  const xs = tf.tensor4d(x, [BATCH, info.minInputSize, info.minInputSize, info.inChannels]);
  const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) losses.push((await model.trainOnBatch(xs, ys)) as number);
  const weights = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
  tf.dispose([xs, ys]);
  model.dispose();
  return { losses, weights };
}

beforeAll(async () => {
  if (probe.ok) await initBackend({ backend: 'webgpu' });
});

describe.each(listModels())('$name on WebGPU', (info) => {
  itGpu('follows cpu step for step and lowers the loss', async () => {
    await tf.setBackend('cpu');
    const template = build(info);
    const initial = await Promise.all(template.getWeights().map(async (w) => (await w.data()) as Float32Array));
    template.dispose();
    const x = tf.tidy(() => tf.randomUniform([BATCH, info.minInputSize, info.minInputSize, info.inChannels], 0, 1, 'float32', 3).dataSync() as Float32Array);
    const labels = [0, 1, 2, 3];

    const cpu = await train('cpu', info, initial, x, labels);
    const gpu = await train('webgpu', info, initial, x, labels);

    for (let step = 0; step < STEPS; step++) {
      expect(Math.abs(gpu.losses[step] - cpu.losses[step])).toBeLessThan(1e-4 * Math.max(1, cpu.losses[step]));
    }
    expect(gpu.losses[STEPS - 1]).toBeLessThan(gpu.losses[0]);
    expect(Math.max(...gpu.weights.map((w, k) => scaledMaxError(w, cpu.weights[k])))).toBeLessThan(1e-4);
  });
});
