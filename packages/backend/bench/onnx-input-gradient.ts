/**
 * ONNX Runtime's two input-gradient graphs (ConvTranspose, and a forward Conv over the padded dy
 * with the filter turned) on AlexNet-224's stride-1 layers, or with SET=small on LeNet's and
 * alexnet-mini's, interleaved per call, with the largest difference between their results.
 *
 * Run from packages/backend:  [T=2] [SET=small] [REPS=12] pnpm exec tsx bench/onnx-input-gradient.ts
 */
import { loadOnnxRuntime } from '../src/node/onnx/runtime';
import { convInputGradGraph, convInputGradAsConvGraph } from '../src/node/onnx/graphs';
import { convMacs } from '../src/node/onnx/rules';

const base = { dilationHeight: 1, dilationWidth: 1, strideHeight: 1, strideWidth: 1 };
const conv = (batch: number, h: number, c: number, o: number, k: number, pad: number) => {
  const out = h + 2 * pad - k + 1;
  return { ...base, batch, inHeight: h, inWidth: h, inChannels: c, outHeight: out, outWidth: out, outChannels: o, filterHeight: k, filterWidth: k, padTop: pad, padBottom: pad, padLeft: pad, padRight: pad };
};
const shapes = (process.env.SET === 'small'
  ? { 'lenet c2': conv(128, 14, 6, 16, 5, 0), 'mini c2': conv(128, 14, 24, 48, 3, 1), 'mini c3': conv(128, 7, 48, 64, 3, 1), 'mini c4': conv(128, 7, 64, 64, 3, 1), 'mini c5': conv(128, 7, 64, 48, 3, 1) }
  : { 'alex c2': conv(32, 26, 96, 256, 5, 2), 'alex c3': conv(32, 12, 256, 384, 3, 1), 'alex c4': conv(32, 12, 384, 384, 3, 1), 'alex c5': conv(32, 12, 384, 256, 3, 1) }) as Record<string, ReturnType<typeof conv>>;
const T = Number(process.env.T ?? 2);
const rt = await loadOnnxRuntime(T);
const heap = new Float32Array(40 << 20);
for (let i = 0; i < heap.length; i += 7) heap[i] = Math.random() - 0.5;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const reps = Number(process.env.REPS ?? 12);
for (const [name, g] of Object.entries(shapes)) {
  const graphs = [convInputGradGraph(g as never)!, convInputGradAsConvGraph(g as never)!];
  const sessions = graphs.map((gr) => rt.session(gr, T));
  let at = 0;
  const inputs: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const i of graphs[0].inputs) { inputs[i.name] = { data: heap.subarray(at, at + size(i.shape)), dims: [...i.shape] }; at += size(i.shape) + 1024; }
  const o = graphs[0].outputs[0];
  const outs = [0, 1].map(() => { const d = heap.subarray(at, at + size(o.shape)); at += size(o.shape) + 1024; return { data: d, dims: [...o.shape] }; });
  const times: number[][] = [[], []];
  for (let r = 0; r < reps; r++) for (const t of r % 2 ? [0, 1] : [1, 0]) { const s = performance.now(); sessions[t].run(inputs, 'DX', outs[t]); times[t].push(performance.now() - s); }
  let err = 0, mag = 0;
  for (let i = 0; i < outs[0].data.length; i++) { err = Math.max(err, Math.abs(outs[0].data[i] - outs[1].data[i])); mag = Math.max(mag, Math.abs(outs[0].data[i])); }
  const f = (a: number[]) => `${med(a.slice(2)).toFixed(2)} (min ${Math.min(...a).toFixed(2)})`;
  console.log(`${name} [${(convMacs(g as never) / 1e9).toFixed(2)} G MAC] T=${T}: ConvTranspose ${f(times[0])} | Conv ${f(times[1])} | max diff ${err.toExponential(1)} of ${mag.toFixed(1)}`);
  sessions.forEach((s) => s.dispose());
}
