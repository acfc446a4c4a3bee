// Interleaved A/B of kernel options inside the trainer's own step, in one process: each repetition
// registers every variant in turn (rotating the order), runs a warm-up step, then times steps by the
// process's CPU time (with one thread that is what a step costs on a quiet core, however busy the
// machine) and, once per repetition, the named kernels under tf.profile with a CPU clock. Medians.
// A variant is the options object of registerOnnxRuntimeKernels (backend onnxruntime) or of
// registerWasmTrainingKernels (backend wasm).
// Run after `pnpm build`:
//   node apps/bench/scripts/ab-step.mjs --variants '{"js":{"wasm":{"simdMaxPoolGrad":false}},"simd":{}}' \
//     [--backend onnxruntime] [--models lenet5-relu,alexnet-mini] [--reps 7] [--steps 5] [--kernels MaxPoolGrad,Add]
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend, loadOnnxRuntime, registerOnnxRuntimeKernels, registerWasmTrainingKernels } from '@zoo/backend';
import { createModel } from '@zoo/models';
import { createTrainingStep } from '@zoo/trainer';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'onnxruntime' },
    variants: { type: 'string' },
    models: { type: 'string', default: 'lenet5-relu,alexnet-mini' },
    reps: { type: 'string', default: '7' },
    steps: { type: 'string', default: '5' },
    kernels: { type: 'string', default: 'MaxPoolGrad' },
    threads: { type: 'string', default: '1' },
    // cpu: process CPU time (the default; one thread's cost under load); wall: elapsed time, for
    // two-thread runs on a quiet machine, where CPU time would count both threads.
    clock: { type: 'string', default: 'cpu' },
  },
});
if (args.variants === undefined) throw new Error('--variants is required: a JSON object of name -> kernel options');
const variants = JSON.parse(args.variants);
const names = Object.keys(variants);
const WORKLOADS = { 'lenet5-relu': [128, 28], 'lenet5': [128, 28], 'alexnet-mini': [128, 28], alexnet: [32, 224] };
const cpuMs =
  args.clock === 'wall'
    ? () => performance.now()
    : () => {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1000;
      };
tf.enableProdMode();
const info = await initBackend({ backend: args.backend, threads: Number(args.threads) });
const runtime = args.backend === 'onnxruntime' ? await loadOnnxRuntime(Number(args.threads)) : undefined;
const register = (options) => (runtime ? registerOnnxRuntimeKernels(runtime, options) : registerWasmTrainingKernels(options));
const watched = new Set(args.kernels.split(','));
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(describeBackend(info), `| load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

for (const name of args.models.split(',')) {
  const [batch, size] = WORKLOADS[name];
  const model = createModel(name, { inputSize: size, classifierActivation: 'linear' });
  const xs = tf.randomUniform([batch, size, size, 1]);
  const ys = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10).toFloat();
  const { step, optimizer } = createTrainingStep(model, { optimizer: { name: 'sgd', lr: 0.01 } });
  let index = 0;
  const run = () => {
    const [loss, correct] = step(xs, ys, 0.01, index++);
    loss.dataSync();
    tf.dispose([loss, correct]);
  };
  const stepMs = Object.fromEntries(names.map((n) => [n, []]));
  const kernelMs = {}; // key -> variant -> [ms]
  const reps = Number(args.reps);
  for (let r = 0; r < reps; r++) {
    for (const v of names.map((_, i) => names[(i + r) % names.length])) {
      register(variants[v]);
      run();
      for (let s = 0; s < Number(args.steps); s++) {
        const t0 = cpuMs();
        run();
        stepMs[v].push(cpuMs() - t0);
      }
      const now = tf.env().platform.now;
      tf.env().platform.now = cpuMs;
      const prof = await tf.profile(run);
      tf.env().platform.now = now;
      const seen = { 'every kernel (profiled step)': prof.kernels.reduce((ms, k) => ms + k.kernelTimeMs, 0) };
      for (const k of prof.kernels) {
        if (!watched.has(k.name)) continue;
        // Per input shape, and summed over the kernel's calls.
        const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(' ')}`;
        seen[key] = (seen[key] ?? 0) + k.kernelTimeMs;
        seen[`${k.name} (all calls)`] = (seen[`${k.name} (all calls)`] ?? 0) + k.kernelTimeMs;
      }
      for (const [key, ms] of Object.entries(seen)) ((kernelMs[key] ??= Object.fromEntries(names.map((n) => [n, []])))[v]).push(ms);
    }
  }
  console.log(`\n${name} batch ${batch} @${size}, ${reps} repetitions x ${args.steps} steps, ${args.threads} thread(s), ${args.clock === 'wall' ? 'wall' : 'CPU'} ms, medians`);
  console.log(`| | ${names.join(' | ')} |`);
  console.log(`| trainer step | ${names.map((n) => median(stepMs[n]).toFixed(2)).join(' | ')} |`);
  for (const [key, t] of Object.entries(kernelMs).sort(([a], [b]) => a.localeCompare(b))) console.log(`| ${key} | ${names.map((n) => (t[n].length ? median(t[n]).toFixed(2) : '-')).join(' | ')} |`);
  tf.dispose([xs, ys]);
  optimizer.dispose();
  model.dispose();
}
console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
process.exit(0);
