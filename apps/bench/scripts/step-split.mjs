// Where a training step's time goes: kernels (by wrapping every registered wasm kernel with a
// clock) against the rest (TF.js's engine and tape, kernel dispatch, JavaScript), and the step's
// phases (forward, forward + backward, the optimizer), for the trainer's own step. The clock is the
// process's CPU time: with one thread (the default) that is the step's cost on a quiet core even
// while other jobs share the machine.
// Run after `pnpm build`:  node apps/bench/scripts/step-split.mjs [--backend onnxruntime] [--model lenet5-relu] [--batch 128] [--threads 1] [--steps 30]
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '@zoo/backend';
import { createModel } from '@zoo/models';
import { createTrainingStep } from '@zoo/trainer';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'onnxruntime' },
    model: { type: 'string', default: 'lenet5-relu' },
    batch: { type: 'string', default: '128' },
    size: { type: 'string', default: '28' },
    threads: { type: 'string', default: '1' },
    steps: { type: 'string', default: '30' },
    // cpu: process CPU time (all threads summed); wall: elapsed time, which shows a one-thread
    // kernel that leaves ORT's second thread idle.
    clock: { type: 'string', default: 'cpu' },
  },
});
tf.enableProdMode();
const info = await initBackend({ backend: args.backend, threads: Number(args.threads) });
console.log(describeBackend(info), `| load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

// Every kernel of the active backend, timed.
const now =
  args.clock === 'wall'
    ? () => performance.now()
    : () => {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1000;
      };
const kernelMs = new Map();
// Kernels listed per input shape in the step's table (the rest by name).
const detail = new Set(['Add', 'ArgMax', 'MaxPoolGrad', 'Conv2DBackpropFilter', 'Conv2D', 'Conv2DBackpropInput', 'Multiply', 'Sub']);
let inKernel = false;
for (const config of tf.getKernelsForBackend(tf.getBackend())) {
  const original = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel({
    ...config,
    kernelFunc: (a) => {
      if (inKernel) return original(a); // a composed kernel's inner calls count once, in the outer
      inKernel = true;
      const t0 = now();
      try {
        return original(a);
      } finally {
        inKernel = false;
        const key = detail.has(config.kernelName) ? `${config.kernelName} ${Object.values(a.inputs).map((t) => `[${t?.shape}]`).join(' ')}` : config.kernelName;
        const e = kernelMs.get(key) ?? { ms: 0, calls: 0 };
        e.ms += now() - t0;
        e.calls += 1;
        kernelMs.set(key, e);
      }
    },
  });
}

const batch = Number(args.batch);
const size = Number(args.size);
const model = createModel(args.model, { inputSize: size, classifierActivation: 'linear' });
const xs = tf.randomUniform([batch, size, size, 1]);
const ys = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10).toFloat();
const { step, optimizer } = createTrainingStep(model, { optimizer: { name: 'sgd', lr: 0.01 } });
const variables = model.trainableWeights.map((w) => w.read());
let index = 0;
// Gradients of one step, kept, so the optimizer's own cost can be timed apart (lr 0 changes nothing).
const fixedGrads = (() => {
  const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true })), variables);
  return variables.map((v) => grads[v.name]);
})();

const phases = {
  'full step (trainer)': () => {
    const [loss, correct] = step(xs, ys, 0.01, index++);
    loss.dataSync();
    tf.dispose([loss, correct]);
  },
  'forward + backward (variableGrads)': () => {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true })), variables);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  },
  'optimizer update alone (fixed gradients)': () => {
    optimizer.applyGradients(fixedGrads.map((g, i) => ({ name: variables[i].name, tensor: g })));
  },
  'forward, training mode, no tape': () => {
    tf.tidy(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true })).dataSync());
  },
};
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const steps = Number(args.steps);
const rows = [];
for (const [name, run] of Object.entries(phases)) {
  for (let i = 0; i < 3; i++) run();
  const walls = [];
  const kernels = [];
  let calls = 0;
  for (let i = 0; i < steps; i++) {
    kernelMs.clear();
    const t0 = now();
    run();
    walls.push(now() - t0);
    let k = 0;
    for (const e of kernelMs.values()) k += e.ms;
    kernels.push(k);
    calls = [...kernelMs.values()].reduce((n, e) => n + e.calls, 0);
  }
  rows.push({ name, wall: median(walls), kernels: median(kernels), calls });
}
console.log(`\n${args.model} batch ${batch}, ${info.threads} thread(s), median of ${steps}`);
console.log(`| phase | ${args.clock === 'wall' ? 'wall' : 'CPU'} ms | in kernels ms | outside kernels ms | kernel calls |`);
for (const r of rows) console.log(`| ${r.name} | ${r.wall.toFixed(2)} | ${r.kernels.toFixed(2)} | ${(r.wall - r.kernels).toFixed(2)} | ${r.calls} |`);
// Kernels of full steps, summed over `steps` of them, per step, largest first.
kernelMs.clear();
for (let i = 0; i < steps; i++) phases['full step (trainer)']();
console.log(`\n| kernel (full step, mean of ${steps}) | ms | calls |`);
for (const [k, e] of [...kernelMs.entries()].sort((a, b) => b[1].ms - a[1].ms)) console.log(`| ${k} | ${(e.ms / steps).toFixed(2)} | ${e.calls / steps} |`);
optimizer.dispose();
process.exit(0);
