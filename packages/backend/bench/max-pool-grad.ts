/**
 * Per-call CPU time of the wasm SIMD max-pool gradient (simd/kernels.wat's maxPoolGrad, which writes
 * all of dx) on the zoo's pool shapes, one thread, and of a whole tf.grad through maxPool. CPU time,
 * not wall time: this machine's cores are shared.
 *
 * Run from packages/backend (bundles this file and src with esbuild, keeps TF.js external):
 *   pnpm exec esbuild bench/max-pool-grad.ts --bundle --platform=node --packages=external --format=esm \
 *     --outfile=node_modules/.cache/bench/max-pool-grad.mjs && node node_modules/.cache/bench/max-pool-grad.mjs
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { startWasm } from '../src/node/wasm-start';
import { registerWasmTrainingKernels } from '../src/wasm';
import { runMaxPoolGrad, simdKernels } from '../src/wasm/simd/kernels';

const REPS = 15;
const WARM = 3;
const SHAPES: Array<[string, [number, number, number, number], number, number]> = [
  ['LeNet pool1 2x2/2', [128, 28, 28, 6], 2, 2],
  ['alexnet-mini pool1 2x2/2', [128, 28, 28, 24], 2, 2],
  ['AlexNet pool1 3x3/2', [32, 54, 54, 96], 3, 2],
  ['AlexNet pool2 3x3/2', [32, 26, 26, 256], 3, 2],
];

await startWasm(1);
registerWasmTrainingKernels();
const backend = tf.backend() as BackendWasm;
const kernels = simdKernels(backend);
if (kernels === undefined) throw new Error('the wasm SIMD module does not load here');
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const median = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

for (const [name, shape, filter, stride] of SHAPES) {
  const x = tf.randomNormal(shape);
  const y = tf.maxPool(x as tf.Tensor4D, filter, stride, 'valid');
  const dy = tf.randomNormal(y.shape);
  const info = tf.backend_util.computePool2DInfo(shape, filter, stride, 1, 'valid');
  const t = { kernel: [] as number[], whole: [] as number[] };
  for (let r = 0; r < REPS; r++) {
    const out = backend.makeOutput(shape, 'float32');
    let at = cpuMs();
    runMaxPoolGrad(backend, kernels, { x, dy, dx: out }, info);
    t.kernel.push(cpuMs() - at);
    backend.disposeData(out.dataId);
    at = cpuMs();
    tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, filter, stride, 'valid'), dy)))(x).dispose();
    t.whole.push(cpuMs() - at);
  }
  console.log(`${name} ${shape.join('x')}: CPU ms per call, median of ${REPS - WARM}:`, Object.entries(t).map(([n, v]) => `${n} ${median(v.slice(WARM)).toFixed(2)}`).join(' | '));
  tf.dispose([x, y, dy]);
}
