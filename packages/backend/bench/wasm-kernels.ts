/**
 * Times the wasm training kernels against each other and against wasm's own kernels, on AlexNet's
 * (D2L, 224 px) and LeNet's layer shapes, then one full training step before and after.
 *
 * Run from packages/backend (bundles this file and src/wasm with esbuild, keeps TF.js external):
 *   pnpm exec esbuild bench/wasm-kernels.ts --bundle --platform=node --packages=external \
 *     --outfile=node_modules/.cache/bench/wasm-kernels.cjs && node node_modules/.cache/bench/wasm-kernels.cjs [section...]
 * Sections: conv (per-layer convolution gradients), dense (matrix products), other (pooling, LRN),
 * step (whole training steps), threads (an AlexNet step on 1 and 2 wasm threads, each in a child
 * process). Default: conv dense other step.
 * Environment: BENCH_REPS (timed repetitions, default 3), ALEXNET_BATCH (default 16),
 * BENCH_LAYERS (only the convolution layers whose name contains it, e.g. `mini`),
 * BENCH_THREADS (start wasm on this many threads; set by the threads section for its children).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { registerWasmTrainingKernels, type WasmTrainingKernelOptions } from '../src/wasm';
import { setWasmBackendWithThreads } from '../src/node';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const ALEXNET_BATCH = Number(process.env.ALEXNET_BATCH ?? 16);
const LENET_BATCH = 256;
const MINI_BATCH = 128;
/** Only the convolution layers whose name contains this (BENCH_LAYERS=mini). */
const LAYER_FILTER = process.env.BENCH_LAYERS ?? '';

/** Milliseconds: `median` and `min` of the process's CPU time (user + system), and median wall time. */
interface Timing {
  median: number;
  min: number;
  wall: number;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function middle(sorted: number[]): number {
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Runs `body` once to warm caches, then `REPS` times. CPU time is the headline because this
 * machine's cores are shared: wall time counts the waits for a core, CPU time does not, and wasm
 * without threads computes on one core.
 */
function time(body: () => tf.Tensor | tf.Tensor[]): Timing {
  const run = (): [number, number] => {
    const wall = performance.now();
    const cpu = cpuMs();
    const out = body();
    const outs = Array.isArray(out) ? out : [out];
    for (const t of outs) t.dataSync();
    const sample: [number, number] = [cpuMs() - cpu, performance.now() - wall];
    tf.dispose(outs);
    return sample;
  };
  run();
  const samples = Array.from({ length: REPS }, run);
  const cpu = samples.map((s) => s[0]).sort((a, b) => a - b);
  const wall = samples.map((s) => s[1]).sort((a, b) => a - b);
  return { median: middle(cpu), min: cpu[0], wall: middle(wall) };
}

function show(label: string, t: Timing, reference?: Timing): void {
  const ratio = reference ? `  x${(reference.median / t.median).toFixed(2)}` : '';
  const numbers = `${t.median.toFixed(1).padStart(9)} ms cpu (min ${t.min.toFixed(1)}, wall ${t.wall.toFixed(1)})`;
  console.log(`  ${label.padEnd(36)} ${numbers}${ratio}`);
}

interface ConvLayer {
  name: string;
  batch: number;
  size: number;
  cin: number;
  cout: number;
  kernel: number;
  stride: number;
  pad: number;
}

const CONV_LAYERS: ConvLayer[] = [
  { name: 'alexnet conv1', batch: ALEXNET_BATCH, size: 224, cin: 1, cout: 96, kernel: 11, stride: 4, pad: 1 },
  { name: 'alexnet conv2', batch: ALEXNET_BATCH, size: 26, cin: 96, cout: 256, kernel: 5, stride: 1, pad: 2 },
  { name: 'alexnet conv3', batch: ALEXNET_BATCH, size: 12, cin: 256, cout: 384, kernel: 3, stride: 1, pad: 1 },
  { name: 'alexnet conv4', batch: ALEXNET_BATCH, size: 12, cin: 384, cout: 384, kernel: 3, stride: 1, pad: 1 },
  { name: 'alexnet conv5', batch: ALEXNET_BATCH, size: 12, cin: 384, cout: 256, kernel: 3, stride: 1, pad: 1 },
  { name: 'lenet conv1', batch: LENET_BATCH, size: 28, cin: 1, cout: 6, kernel: 5, stride: 1, pad: 2 },
  { name: 'lenet conv2', batch: LENET_BATCH, size: 14, cin: 6, cout: 16, kernel: 5, stride: 1, pad: 0 },
  { name: 'alexnet-mini conv1', batch: MINI_BATCH, size: 28, cin: 1, cout: 24, kernel: 3, stride: 1, pad: 1 },
  { name: 'alexnet-mini conv2', batch: MINI_BATCH, size: 14, cin: 24, cout: 48, kernel: 3, stride: 1, pad: 1 },
  { name: 'alexnet-mini conv3', batch: MINI_BATCH, size: 7, cin: 48, cout: 64, kernel: 3, stride: 1, pad: 1 },
  { name: 'alexnet-mini conv4', batch: MINI_BATCH, size: 7, cin: 64, cout: 64, kernel: 3, stride: 1, pad: 1 },
  { name: 'alexnet-mini conv5', batch: MINI_BATCH, size: 7, cin: 64, cout: 48, kernel: 3, stride: 1, pad: 1 },
  // Not in the zoo: a strided layer with many channels, to test where the flipped input gradient stops paying.
  { name: 'stride-2 3x3 64->128 (resnet-like)', batch: 16, size: 56, cin: 64, cout: 128, kernel: 3, stride: 2, pad: 1 },
];

function benchConv(): void {
  console.log(`\n## Convolution gradients (wasm, ${REPS} reps; ratios vs the first line of each group)`);
  for (const l of CONV_LAYERS.filter((c) => c.name.includes(LAYER_FILTER))) {
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [l.pad, l.pad],
      [l.pad, l.pad],
      [0, 0],
    ];
    const x = tf.randomNormal<tf.Rank.R4>([l.batch, l.size, l.size, l.cin]);
    const w = tf.randomNormal<tf.Rank.R4>([l.kernel, l.kernel, l.cin, l.cout]);
    const y = tf.conv2d(x, w, l.stride, pad);
    const dy = tf.randomNormal(y.shape);
    console.log(`${l.name}: x ${x.shape.join('x')}, w ${w.shape.join('x')}, dy ${dy.shape.join('x')}`);
    const attrs = { strides: l.stride, pad, dataFormat: 'NHWC' };
    const forward = time(() => tf.conv2d(x, w, l.stride, pad));
    show('forward Conv2D', forward);
    const input = (options: WasmTrainingKernelOptions): Timing => {
      registerWasmTrainingKernels(options);
      return time(() =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }) as tf.Tensor,
      );
    };
    const native = input({ inputGradient: 'native' });
    show('dx: wasm native', native, forward);
    show('dx: flipped convolution', input({ inputGradient: 'flipped' }), forward);
    for (const filterGradient of ['dilated', 'im2col'] as const) {
      registerWasmTrainingKernels({ filterGradient });
      show(
        `dW: ${filterGradient}`,
        time(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor),
        forward,
      );
    }
    tf.dispose([x, w, y, dy]);
  }
  registerWasmTrainingKernels();
}

function benchDense(): void {
  console.log(`\n## Dense-layer products (wasm): the backward pass transposes one operand`);
  const shapes: [string, number, number, number][] = [
    ['alexnet fc1 6400->4096', ALEXNET_BATCH, 6400, 4096],
    ['alexnet fc2 4096->4096', ALEXNET_BATCH, 4096, 4096],
    ['alexnet fc3 4096->10', ALEXNET_BATCH, 4096, 10],
    ['lenet fc1 400->120', LENET_BATCH, 400, 120],
  ];
  for (const [name, batch, fin, fout] of shapes) {
    const x = tf.randomNormal<tf.Rank.R2>([batch, fin]);
    const w = tf.randomNormal<tf.Rank.R2>([fin, fout]);
    const dy = tf.randomNormal<tf.Rank.R2>([batch, fout]);
    console.log(`${name} (batch ${batch})`);
    const forward = time(() => tf.matMul(x, w));
    show('forward x.W', forward);
    for (const fast of [false, true]) {
      registerWasmTrainingKernels({ fastTransposedMatMul: fast });
      const tag = fast ? 'rearranged' : 'wasm native';
      show(`dx = dy.W^T, ${tag}`, time(() => tf.matMul(dy, w, false, true)), forward);
      show(`dW = x^T.dy, ${tag}`, time(() => tf.matMul(x, dy, true, false)), forward);
    }
    tf.dispose([x, w, dy]);
  }
  registerWasmTrainingKernels();
}

function benchOther(): void {
  console.log(`\n## Other gradient kernels at AlexNet's conv1 output (wasm)`);
  const a = tf.randomNormal<tf.Rank.R4>([ALEXNET_BATCH, 54, 54, 96]);
  const pool = (v: tf.Tensor): tf.Tensor => tf.maxPool(v as tf.Tensor4D, 3, 2, 'valid');
  show('maxPool 3/2 forward', time(() => pool(a)));
  for (const exactMaxPoolGrad of [false, true]) {
    registerWasmTrainingKernels({ exactMaxPoolGrad });
    show(`maxPool 3/2 forward+grad, ${exactMaxPoolGrad ? 'exact (JS)' : 'wasm native'}`, time(() => tf.grad(pool)(a)));
  }
  registerWasmTrainingKernels();
  const avg = (v: tf.Tensor): tf.Tensor => tf.avgPool(v as tf.Tensor4D, 3, 2, 'valid');
  show('avgPool 3/2 forward+grad', time(() => tf.grad(avg)(a)));
  const lrn = (v: tf.Tensor): tf.Tensor => tf.localResponseNormalization(v as tf.Tensor4D, 2, 2, 1e-4, 0.75);
  show('LRN forward', time(() => lrn(a)));
  show('LRN forward+grad', time(() => tf.grad(lrn)(a)));
  show('relu forward+grad', time(() => tf.grad((v: tf.Tensor) => tf.relu(v))(a)));
  show('sigmoid forward+grad', time(() => tf.grad((v: tf.Tensor) => tf.sigmoid(v))(a)));
  a.dispose();
}

/** D2L's AlexNet for 1x224x224 inputs (NHWC), 10 classes. */
function alexnet(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [224, 224, 1], filters: 96, kernelSize: 11, strides: 4, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 3, strides: 2 }));
  model.add(tf.layers.conv2d({ filters: 256, kernelSize: 5, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 3, strides: 2 }));
  model.add(tf.layers.conv2d({ filters: 384, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.conv2d({ filters: 384, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.conv2d({ filters: 256, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 3, strides: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 4096, activation: 'relu' }));
  model.add(tf.layers.dropout({ rate: 0.5 }));
  model.add(tf.layers.dense({ units: 4096, activation: 'relu' }));
  model.add(tf.layers.dropout({ rate: 0.5 }));
  model.add(tf.layers.dense({ units: 10 }));
  return model;
}

/** D2L's LeNet-5 (sigmoid, average pooling) for 1x28x28 inputs. */
function lenet(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'sigmoid' }));
  model.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }));
  model.add(tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'sigmoid' }));
  model.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 120, activation: 'sigmoid' }));
  model.add(tf.layers.dense({ units: 84, activation: 'sigmoid' }));
  model.add(tf.layers.dense({ units: 10 }));
  return model;
}

async function benchStep(
  name: string,
  build: () => tf.Sequential,
  batch: number,
  configs: [string, WasmTrainingKernelOptions][],
): Promise<void> {
  const model = build();
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  const x = tf.randomNormal([batch, ...inputShape]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  const optimizer = tf.train.sgd(0.01);
  const step = (): tf.Scalar =>
    optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor), true) as tf.Scalar;
  console.log(`${name}, batch ${batch}: one SGD step (forward, backward, update)`);
  let reference: Timing | undefined;
  for (const [label, options] of configs) {
    registerWasmTrainingKernels(options);
    const t = time(step);
    show(label, t, reference);
    reference ??= t;
  }
  const forward = time(() => model.apply(x, { training: true }) as tf.Tensor);
  show('forward pass alone (training mode)', forward);
  registerWasmTrainingKernels();
  // tf.profile times kernels with the platform clock; a CPU clock keeps other processes out of it.
  const platform = tf.env().platform;
  const wallClock = platform.now;
  platform.now = cpuMs;
  const profile = await tf
    .profile(() => {
      step().dispose();
    })
    .finally(() => {
      platform.now = wallClock;
    });
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
  }
  const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
  const top = [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
  console.log(`  tf.profile of one step with the defaults (kernel cpu ms, share of ${total.toFixed(0)} ms):`);
  console.log('   ' + top.map(([k, ms]) => `${k} ${ms.toFixed(0)} (${((100 * ms) / total).toFixed(0)}%)`).join(' · '));
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
}

async function benchSteps(): Promise<void> {
  console.log(`\n## Training steps (wasm)`);
  const configs: [string, WasmTrainingKernelOptions][] = [
    [
      'before: dW dilated, rest wasm native',
      { filterGradient: 'dilated', inputGradient: 'native', fastTransposedMatMul: false, exactMaxPoolGrad: false },
    ],
    ['after, dW im2col', { filterGradient: 'im2col' }],
    ['after: defaults', {}],
  ];
  await benchStep('AlexNet (D2L, 224 px)', alexnet, ALEXNET_BATCH, configs);
  await benchStep('LeNet-5 (D2L, 28 px)', lenet, LENET_BATCH, configs);
  registerWasmTrainingKernels();
}

/** CPU milliseconds each thread of this process has used so far, by thread id (Linux only). */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, in clock ticks of 10 ms.
      out.set(tid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return out;
}

/** One AlexNet step on this process's wasm threads: wall time, and CPU time per busy thread. */
function benchThreadStep(): void {
  const model = alexnet();
  const x = tf.randomNormal([ALEXNET_BATCH, 224, 224, 1]);
  const y = tf.oneHot(tf.randomUniform([ALEXNET_BATCH], 0, 10, 'int32') as tf.Tensor1D, 10);
  const optimizer = tf.train.sgd(0.01);
  const step = (): void => {
    const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor), true);
    cost?.dataSync();
    cost?.dispose();
  };
  step();
  const before = threadCpuMs();
  const walls: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const start = performance.now();
    step();
    walls.push(performance.now() - start);
  }
  const after = threadCpuMs();
  const busy = [...after.entries()]
    .map(([tid, ms]) => ms - (before.get(tid) ?? 0))
    .filter((ms) => ms > 20 * REPS)
    .sort((a, b) => b - a)
    .map((ms) => (ms / REPS).toFixed(0));
  walls.sort((a, b) => a - b);
  console.log(`  wall ${middle(walls).toFixed(0)} ms (min ${walls[0].toFixed(0)}); cpu per step of each busy thread: ${busy.join(' + ')} ms`);
}

function benchThreads(script: string): void {
  console.log(`\n## wasm threads: AlexNet step, batch ${ALEXNET_BATCH}, each count in a fresh process, alternating`);
  for (const round of [1, 2]) {
    for (const threads of [1, 2]) {
      process.stdout.write(`round ${round}, ${threads} thread(s):`);
      const child = spawnSync(process.execPath, [script, 'thread-step'], {
        env: { ...process.env, BENCH_THREADS: String(threads) },
        encoding: 'utf8',
      });
      const lines = `${child.stdout}${child.stderr}`.split('\n').filter((l) => l.startsWith('  wall') || /Error/.test(l));
      console.log(lines.length > 0 ? lines.join('\n').replace(/^ /, '') : ` exit ${String(child.status)}`);
    }
  }
}

async function main(): Promise<void> {
  const sections = process.argv.slice(2);
  const wanted = (s: string): boolean => (sections.length === 0 ? !['threads', 'thread-step'].includes(s) : sections.includes(s));
  const threads = Number(process.env.BENCH_THREADS ?? 0);
  if (threads > 0) await setWasmBackendWithThreads(threads);
  else if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to start');
  registerWasmTrainingKernels();
  if (!wanted('thread-step')) {
    console.log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, node ${process.version}, reps ${REPS}`);
  }
  if (wanted('conv')) benchConv();
  if (wanted('dense')) benchDense();
  if (wanted('other')) benchOther();
  if (wanted('step')) await benchSteps();
  if (wanted('thread-step')) benchThreadStep();
  if (wanted('threads')) benchThreads(process.argv[1]);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
