/**
 * The GPU check: on the WebGPU backend, (1) gradients of the zoo's kernels against the cpu backend,
 * (2) training throughput of D2L's AlexNet at 224 px (batch 128) and LeNet-5 (batch 256), as the
 * median of timed steps after warm-up, compared with D2L's PyTorch figures. Writes gpu-check.json.
 *
 * Bundled by prepare.mjs into a self-contained folder; run it through that folder's run.sh.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describeBackend, initBackend, type BackendInfo } from '../../packages/backend/src/node';
import { D2L_PARAMETERS, d2lAlexNet, d2lLeNet } from './models';

/** D2L's own figures (PyTorch, one GPU), from DESIGN.md. */
const D2L_EXAMPLES_PER_SECOND = { alexnet: 3941.8, lenet: 55296.6 } as const;

interface Options {
  quick: boolean;
  out: string;
  flags: Record<string, number | boolean>;
  warmup: number;
  steps: number;
  alexnetBatch: number;
  alexnetSize: number;
  alexnetWidth: number;
  lenetBatch: number;
  gradients: boolean;
  throughput: boolean;
}

const USAGE = `usage: run.sh [--quick] [--out DIR] [--flag NAME=VALUE]... [--warmup N] [--steps N]
              [--alexnet-batch N] [--alexnet-size PX] [--lenet-batch N] [--no-gradients] [--no-throughput]
  --quick        tiny sizes (a software adapter's smoke test): AlexNet at 67 px, 1/4 width, batch 4
  --out DIR      where gpu-check.json goes (default: $OUT, else the current directory)
  --flag N=V     a TF.js environment flag, e.g. WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=32`;

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const options: Options = {
    quick,
    out: process.env.OUT || process.cwd(),
    flags: {},
    warmup: quick ? 1 : 5,
    steps: quick ? 3 : 20,
    alexnetBatch: quick ? 4 : 128,
    alexnetSize: quick ? 67 : 224,
    alexnetWidth: quick ? 0.25 : 1,
    lenetBatch: quick ? 16 : 256,
    gradients: true,
    throughput: true,
  };
  const numeric = (name: string, value: string | undefined): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new RangeError(`${name}: expected a positive number, received '${value}'\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string | undefined => argv[++i];
    switch (arg) {
      case '--quick':
        break;
      case '--out':
        options.out = value() ?? options.out;
        break;
      case '--flag': {
        const [name, raw] = (value() ?? '').split('=');
        if (!name || raw === undefined) throw new RangeError(`--flag: expected NAME=VALUE\n${USAGE}`);
        options.flags[name] = raw === 'true' ? true : raw === 'false' ? false : numeric(`--flag ${name}`, raw);
        break;
      }
      case '--warmup':
        options.warmup = numeric(arg, value());
        break;
      case '--steps':
        options.steps = numeric(arg, value());
        break;
      case '--alexnet-batch':
        options.alexnetBatch = numeric(arg, value());
        break;
      case '--alexnet-size':
        options.alexnetSize = numeric(arg, value());
        break;
      case '--lenet-batch':
        options.lenetBatch = numeric(arg, value());
        break;
      case '--no-gradients':
        options.gradients = false;
        break;
      case '--no-throughput':
        options.throughput = false;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new RangeError(`unknown argument '${arg}'\n${USAGE}`);
    }
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Gradients against cpu

interface GradientCase {
  name: string;
  shapes: number[][];
  f: (...inputs: tf.Tensor[]) => tf.Tensor;
}

interface GradientResult {
  name: string;
  shapes: number[][];
  /** Largest |webgpu - cpu| over each output, relative to that output's largest magnitude (at least 1). */
  scaledErrors: Record<string, number>;
  maxScaledError: number;
  tolerance: number;
  ok: boolean;
}

const GRADIENT_TOLERANCE = 1e-3;

function gradientCases(quick: boolean): GradientCase[] {
  const conv = (stride: number, padding: 'same' | 'valid') => (x: tf.Tensor, w: tf.Tensor) =>
    tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, padding);
  if (quick) {
    return [
      { name: 'conv2d 11x11/4 valid (conv1 shape, small)', shapes: [[2, 35, 35, 1], [11, 11, 1, 8]], f: conv(4, 'valid') },
      { name: 'conv2d 5x5/1 same', shapes: [[2, 9, 9, 8], [5, 5, 8, 12]], f: conv(1, 'same') },
      { name: 'maxPool 3x3/2', shapes: [[2, 13, 13, 8]], f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'valid') },
      { name: 'dense + relu', shapes: [[4, 200], [200, 64]], f: (x, w) => tf.relu(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D)) },
    ];
  }
  return [
    { name: 'AlexNet conv1: 11x11/4 valid, 224 px', shapes: [[4, 224, 224, 1], [11, 11, 1, 96]], f: conv(4, 'valid') },
    { name: 'AlexNet conv2 shape: 5x5/1 same, 26 px, 96 -> 64 channels', shapes: [[2, 26, 26, 96], [5, 5, 96, 64]], f: conv(1, 'same') },
    { name: 'AlexNet conv3 shape: 3x3/1 same, 12 px, 256 -> 64 channels', shapes: [[2, 12, 12, 256], [3, 3, 256, 64]], f: conv(1, 'same') },
    { name: 'AlexNet pool1: maxPool 3x3/2, 54 px, 96 channels', shapes: [[4, 54, 54, 96]], f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'valid') },
    { name: 'LeNet pool: avgPool 2x2/2, 28 px, 6 channels', shapes: [[16, 28, 28, 6]], f: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
    {
      name: 'AlexNet fc1 shape: dense 6400 -> 512 + relu',
      shapes: [[16, 6400], [6400, 512], [512]],
      f: (x, w, b) => tf.relu(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D).add(b)),
    },
    { name: 'LRN (paper constants), 26 px, 96 channels', shapes: [[2, 26, 26, 96]], f: (x) => tf.localResponseNormalization(x as tf.Tensor4D, 2, 2, 1e-4, 0.75) },
  ];
}

/** Mulberry32, so both backends see the same values and a rerun sees the same case. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValues(rng: () => number, n: number): Float32Array {
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng() * 2 - 1;
  return values;
}

function scaledMaxError(actual: Float32Array, expected: Float32Array): number {
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= worst)) worst = Number.isNaN(diff) ? Infinity : diff;
  }
  return worst / scale;
}

async function runOn(backend: string, compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`cannot switch to backend '${backend}'`);
  const outputs = tf.tidy(compute);
  try {
    return await Promise.all(outputs.map(async (t) => (await t.data()) as Float32Array));
  } finally {
    tf.dispose(outputs);
  }
}

async function checkGradient(c: GradientCase, seed: number): Promise<GradientResult> {
  const rng = seededRandom(seed);
  const values = c.shapes.map((shape) => randomValues(rng, shape.reduce((a, b) => a * b, 1)));
  let weights: Float32Array | undefined;
  const compute = (): tf.Tensor[] => {
    const inputs = c.shapes.map((shape, i) => tf.tensor(values[i], shape));
    const y = c.f(...inputs);
    weights ??= randomValues(rng, y.size);
    const w = tf.tensor(weights, y.shape);
    const grads = tf.grads((...xs: tf.Tensor[]) => c.f(...xs).mul(w).sum())(inputs);
    return [y, ...grads];
  };
  const expected = await runOn('cpu', compute);
  const actual = await runOn('webgpu', compute);
  const names = ['output', ...c.shapes.map((_, i) => `d/d input ${i}`)];
  const scaledErrors = Object.fromEntries(names.map((name, i) => [name, scaledMaxError(actual[i], expected[i])]));
  const maxScaledError = Math.max(...Object.values(scaledErrors));
  return { name: c.name, shapes: c.shapes, scaledErrors, maxScaledError, tolerance: GRADIENT_TOLERANCE, ok: maxScaledError <= GRADIENT_TOLERANCE };
}

// ---------------------------------------------------------------------------------------------
// Throughput

interface ThroughputResult {
  model: string;
  inputSize: number;
  width: number;
  batch: number;
  parameters: number;
  learningRate: number;
  warmupSteps: number;
  stepMs: number[];
  medianStepMs: number;
  examplesPerSecond: number;
  /** D2L's PyTorch figure; only meaningful for the full-size network at D2L's batch. */
  d2lPyTorchExamplesPerSecond: number;
  ratioToD2L: number;
  firstLoss: number;
  lastLoss: number;
  gpuBytesAfter?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Warm-up (shader compilation, buffer pools), then `steps` timed SGD steps on one synthetic batch:
 * forward in training mode, softmax cross-entropy on logits, gradients, update. Reading the loss
 * fences each step, since WebGPU runs asynchronously.
 */
async function measureTraining(
  label: 'alexnet' | 'lenet',
  model: tf.Sequential,
  batch: number,
  learningRate: number,
  options: Options,
  width: number,
): Promise<ThroughputResult> {
  const [, size, , channels] = model.inputs[0].shape as number[];
  const xs = tf.randomUniform([batch, size, size, channels]);
  const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10).toFloat());
  const optimizer = tf.train.sgd(learningRate);
  const step = async (): Promise<number> => {
    const cost = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
    );
    if (cost == null) throw new Error('optimizer.minimize returned no cost');
    const [loss] = await cost.data();
    cost.dispose();
    return loss;
  };
  let firstLoss = NaN;
  for (let i = 0; i < options.warmup; i++) {
    const loss = await step();
    if (i === 0) firstLoss = loss;
  }
  const stepMs: number[] = [];
  let lastLoss = NaN;
  for (let i = 0; i < options.steps; i++) {
    const start = performance.now();
    lastLoss = await step();
    stepMs.push(performance.now() - start);
  }
  const gpuBytesAfter = (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU;
  tf.dispose([xs, labels]);
  optimizer.dispose();
  const medianStepMs = median(stepMs);
  const examplesPerSecond = (batch / medianStepMs) * 1000;
  const reference = D2L_EXAMPLES_PER_SECOND[label];
  return {
    model: model.name,
    inputSize: size,
    width,
    batch,
    parameters: model.countParams(),
    learningRate,
    warmupSteps: options.warmup,
    stepMs: stepMs.map((ms) => Math.round(ms * 100) / 100),
    medianStepMs: Math.round(medianStepMs * 100) / 100,
    examplesPerSecond: Number(examplesPerSecond.toPrecision(5)),
    d2lPyTorchExamplesPerSecond: reference,
    ratioToD2L: Math.round((examplesPerSecond / reference) * 1000) / 1000,
    firstLoss,
    lastLoss,
    gpuBytesAfter,
  };
}

/** What drawing AlexNet's two dropout masks costs on the host per step: TF.js draws them in JavaScript. */
function dropoutMaskMs(batch: number, units: number): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    tf.dispose([tf.randomUniform([batch, units]), tf.randomUniform([batch, units])]);
    times.push(performance.now() - start);
  }
  return Math.round(median(times) * 100) / 100;
}

/** The GPU-related shared objects mapped into this process (Linux only). */
function loadedLibraries(): string[] {
  if (!existsSync('/proc/self/maps')) return [];
  const paths = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((line) => line.split(/\s+/).slice(5).join(' '))
    .filter((path) => /vulkan|nvidia|lvp|dawn|libstdc\+\+|libc\.so|ld-linux/i.test(path));
  return [...new Set(paths)].sort();
}

// ---------------------------------------------------------------------------------------------

interface Report {
  tool: 'zoo gpu-check';
  startedAt: string;
  finishedAt?: string;
  quick: boolean;
  options: Omit<Options, 'out'>;
  host: { node: string; platform: string; arch: string; cpus: number; cpuModel: string; memoryGiB: number };
  vulkan: { icdFiles: string | null; icdSource: string | null; loader: string | null; nvidiaSmi: string | null };
  /** Shared libraries this process mapped once the backend ran: which Vulkan loader and driver it really used. */
  loadedLibraries?: string[];
  backend?: { line: string; info: BackendInfo };
  softwareAdapterWarning?: string;
  gradients: GradientResult[];
  throughput: ThroughputResult[];
  hostDropoutMaskMsPerStep?: number;
  verdict?: { gradientsOk: boolean; alexnetExamplesPerSecond?: number; alexnetAboveD2L?: boolean; comparableToD2L: boolean };
  error?: string;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const file = join(out, 'gpu-check.json');
  const { out: _out, ...recorded } = options;
  const report: Report = {
    tool: 'zoo gpu-check',
    startedAt: new Date().toISOString(),
    quick: options.quick,
    options: recorded,
    host: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    },
    vulkan: {
      icdFiles: process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES ?? null,
      icdSource: process.env.ZOO_GPU_CHECK_ICD_SOURCE ?? null,
      loader: process.env.ZOO_GPU_CHECK_LOADER ?? null,
      nvidiaSmi: process.env.ZOO_GPU_CHECK_NVIDIA_SMI ?? null,
    },
    gradients: [],
    throughput: [],
  };
  const save = () => writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const log = (line: string) => console.log(`gpu-check: ${line}`);

  try {
    const info = await initBackend({ backend: 'webgpu' });
    report.backend = { line: describeBackend(info), info };
    report.loadedLibraries = loadedLibraries();
    log(report.backend.line);
    if (info.adapter?.software) {
      report.softwareAdapterWarning = `'${info.adapter.description}' is a software rasteriser: these are CPU figures, not a GPU's`;
      log(`warning: ${report.softwareAdapterWarning}`);
    }
    for (const [name, value] of Object.entries(options.flags)) tf.env().set(name, value);
    save();

    if (options.gradients) {
      for (const [i, c] of gradientCases(options.quick).entries()) {
        const result = await checkGradient(c, 100 + i);
        report.gradients.push(result);
        log(`gradient ${result.ok ? 'ok  ' : 'FAIL'} ${result.maxScaledError.toExponential(2)}  ${c.name}`);
        save();
      }
    }

    if (options.throughput) {
      await tf.setBackend('webgpu');
      report.hostDropoutMaskMsPerStep = dropoutMaskMs(options.alexnetBatch, Math.round(4096 * options.alexnetWidth));
      const runs: Array<[label: 'alexnet' | 'lenet', build: () => tf.Sequential, batch: number, lr: number, width: number]> = [
        ['alexnet', () => d2lAlexNet(options.alexnetSize, options.alexnetWidth), options.alexnetBatch, 0.01, options.alexnetWidth],
        ['lenet', d2lLeNet, options.lenetBatch, 0.9, 1],
      ];
      for (const [label, build, batch, lr, width] of runs) {
        const model = build();
        const result = await measureTraining(label, model, batch, lr, options, width);
        model.dispose();
        report.throughput.push(result);
        log(
          `${label}: ${result.examplesPerSecond} examples/s (median ${result.medianStepMs} ms/step over ${result.stepMs.length} steps, ` +
            `batch ${batch}, ${result.inputSize} px, ${result.parameters} parameters; D2L PyTorch ${result.d2lPyTorchExamplesPerSecond})`,
        );
        save();
      }
    }

    const alexnet = report.throughput.find((t) => t.model === 'alexnet_d2l');
    const comparable =
      alexnet !== undefined && alexnet.parameters === D2L_PARAMETERS.alexnet && alexnet.batch === 128 && !info.adapter?.software;
    report.verdict = {
      gradientsOk: report.gradients.every((g) => g.ok),
      alexnetExamplesPerSecond: alexnet?.examplesPerSecond,
      alexnetAboveD2L: comparable ? alexnet.examplesPerSecond > D2L_EXAMPLES_PER_SECOND.alexnet : undefined,
      comparableToD2L: comparable,
    };
    const lenet = report.throughput.find((t) => t.model === 'lenet5_d2l');
    if (lenet && lenet.parameters !== D2L_PARAMETERS.lenet) throw new Error(`LeNet has ${lenet.parameters} parameters, D2L's has ${D2L_PARAMETERS.lenet}`);
  } catch (err) {
    report.error = String((err as Error)?.stack ?? err);
    log(`error: ${String((err as Error)?.message ?? err)}`);
  }
  report.finishedAt = new Date().toISOString();
  save();
  log(`wrote ${file}`);
  if (report.error) return 2;
  return report.verdict?.gradientsOk ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
