// Per kernel call of real training steps: the zoo's wasm kernel against ONNX Runtime's, each call
// shape timed inside the same steps (tf.profile), policies interleaved step by step. With
// --clock cpu (the default for --threads 1) kernels are timed by the process's CPU time, which on
// a shared machine is what they cost on a quiet core; with more threads only wall time means speed.
// This is what rules.ts in @zoo/backend is calibrated from (docs/performance.md, "ONNX Runtime kernels").
// Run after `pnpm build`:  node apps/bench/scripts/onnx-kernels.mjs [--threads 2] [--reps 5] [--models lenet5-relu,alexnet-mini,alexnet]
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend, registerOnnxRuntimeKernels, loadOnnxRuntime } from '@zoo/backend';
import { createModel } from '@zoo/models';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';

const { values: args } = parseArgs({
  options: { clock: { type: 'string' }, threads: { type: 'string', default: '2' }, reps: { type: 'string', default: '5' }, models: { type: 'string', default: 'lenet5-relu,alexnet-mini,alexnet' } },
});
const threads = Number(args.threads);
const clock = args.clock ?? (threads === 1 ? 'cpu' : 'wall');
if (clock === 'cpu') {
  // tf.profile times kernels with env().platform.now().
  tf.env().platform.now = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
}
const reps = Number(args.reps);
const WORKLOADS = { 'lenet5-relu': [128, 28], 'alexnet-mini': [128, 28], alexnet: [32, 224] };

tf.enableProdMode();
const info = await initBackend({ backend: 'onnxruntime', threads });
const runtime = await loadOnnxRuntime(threads);
console.log(describeBackend(info), `clock ${clock}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const HEAVY = new Set(['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', '_FusedMatMul', 'MaxPoolGrad']);
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

for (const name of args.models.split(',')) {
  const [batch, size] = WORKLOADS[name];
  const model = createModel(name, { inputSize: size, classifierActivation: 'linear' });
  const xs = tf.randomUniform([batch, size, size, 1]);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10).toFloat();
  const optimizer = tf.train.sgd(0.01);
  const step = async () => {
    const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(xs, { training: true })), true);
    await cost.data();
    cost.dispose();
  };
  const VARIANTS = { wasm: { policy: 'never' }, ort1: { policy: 'always', threads: 1 }, [`ort${threads}`]: { policy: 'always', threads }, auto: { policy: 'auto' } };
  const names = Object.keys(VARIANTS);
  const calls = {}; // key -> { variant: [ms...] }
  const steps = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < reps + 1; r++) {
    // Rotate the order each repetition so no variant always follows another.
    for (const policy of names.map((_, i) => names[(i + r) % names.length])) {
      registerOnnxRuntimeKernels(runtime, VARIANTS[policy]);
      await step(); // warm: sessions built, wasm caches
      const t0 = tf.env().platform.now();
      const prof = await tf.profile(step);
      const wall = tf.env().platform.now() - t0;
      if (r === 0) continue;
      steps[policy].push(wall);
      const seen = {};
      for (const k of prof.kernels) {
        if (!HEAVY.has(k.name)) continue;
        const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(' ')}`;
        seen[key] = (seen[key] ?? 0) + k.kernelTimeMs;
      }
      for (const [key, ms] of Object.entries(seen)) ((calls[key] ??= Object.fromEntries(names.map((n) => [n, []])))[policy]).push(ms);
    }
  }
  console.log(`\n${name} batch ${batch} @${size}: profiled step ms: ${names.map((n) => `${n} ${median(steps[n]).toFixed(1)}`).join(', ')}`);
  console.log(`| kernel call (input shapes) | ${names.map((n) => `${n} ms`).join(' | ')} |`);
  for (const [key, t] of Object.entries(calls)) console.log(`| ${key} | ${names.map((n) => (t[n].length ? median(t[n]).toFixed(2) : '-')).join(' | ')} |`);
  tf.dispose([xs, labels]);
  model.dispose();
  optimizer.dispose();
}
process.exit(0);
