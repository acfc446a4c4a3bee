// Who calls a kernel: every call of the named kernels in one trainer step (after a warm-up), with
// input shapes, dtypes, attributes and the first frames of the JavaScript stack outside TF.js's
// dispatch, counted. Found that every tensor a gradient saves is cloned through Identity (a copy
// on wasm until @zoo/backend shared it; docs/performance.md).
// Run after `pnpm build`:  node --stack-trace-limit=40 apps/bench/scripts/kernel-callers.mjs Identity Cast [--model lenet5-relu]
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@zoo/backend';
import { createModel } from '@zoo/models';
import { createTrainingStep } from '@zoo/trainer';
const argv = process.argv.slice(2);
const modelAt = argv.indexOf('--model');
const modelName = modelAt >= 0 ? argv.splice(modelAt, 2)[1] : 'lenet5-relu';
await initBackend({ backend: 'onnxruntime', threads: 1 });
const model = createModel(modelName, { inputSize: 28, classifierActivation: 'linear' });
const xs = tf.randomUniform([128, 28, 28, 1]);
const ys = tf.oneHot(tf.randomUniform([128], 0, 10, 'int32'), 10).toFloat();
const { step } = createTrainingStep(model, { optimizer: { name: 'sgd', lr: 0.01 } });
const watch = new Set(argv);
const seen = new Map();
for (const config of tf.getKernelsForBackend('wasm')) {
  if (!watch.has(config.kernelName)) continue;
  const original = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel({ ...config, kernelFunc: (a) => {
    const stack = new Error().stack.split('\n').slice(2).filter((l) => !/engine|kernel_registry|runKernel|op\.ts|operation/.test(l)).slice(0, 4).map((l) => l.trim().replace(/\(.*node_modules\//, '(').replace(/file:\/\/\/work\/wt\/perf\//, '')).join(' < ');
    const key = `${config.kernelName} ${Object.values(a.inputs).map((t) => `[${t?.shape}] ${t?.dtype}`).join(' ')} ${JSON.stringify(a.attrs ?? {}).slice(0, 60)} :: ${stack}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    return original(a);
  } });
}
step(xs, ys, 0.01, 0);
seen.clear();
const [l, c] = step(xs, ys, 0.01, 1);
l.dataSync();
for (const [k, n] of seen) console.log(n, k);
process.exit(0);
