// The conv2d gradient cases and their computation, shared by the wasm and ONNX Runtime suites.
import * as tf from '@tensorflow/tfjs';
import { between, seeded, values } from '@zoo/test-kit';
import { use } from './wasm-helpers';

export type Explicit = [[number, number], [number, number], [number, number], [number, number]];
export type Pad = 'same' | 'valid' | number | Explicit;

export interface ConvCase {
  label: string;
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  strides: [number, number];
  pad: Pad;
}

/** Seeded random cases: every stride 1-4 with same, valid and explicit padding, then edge cases. */
export function makeCases(): ConvCase[] {
  const random = seeded(8474);
  const cases: ConvCase[] = [];
  const kinds = ['same', 'valid', 'explicit'] as const;
  for (let stride = 1; stride <= 4; stride++) {
    for (const kind of kinds) {
      const kernel: [number, number] = [between(random, 1, 11), between(random, 1, 11)];
      const pad: Pad =
        kind === 'explicit'
          ? [
              [0, 0],
              // Up to the kernel size, so some pads exceed kernel - 1 (rows no output reads).
              [between(random, 0, kernel[0]), between(random, 0, kernel[0])],
              [between(random, 0, kernel[1]), between(random, 0, kernel[1])],
              [0, 0],
            ]
          : kind;
      cases.push({
        label: `stride ${stride}, ${kind}`,
        batch: between(random, 1, 4),
        height: kernel[0] + between(random, 0, 10),
        width: kernel[1] + between(random, 0, 10),
        inChannels: between(random, 1, 5),
        outChannels: between(random, 1, 5),
        kernel,
        strides: [stride, stride],
        pad,
      });
    }
  }
  const base = { batch: 2, height: 9, width: 8, inChannels: 3, outChannels: 2, strides: [1, 1] as [number, number] };
  cases.push(
    { ...base, label: 'batch 1, one channel in and out', batch: 1, inChannels: 1, outChannels: 1, kernel: [3, 3], pad: 'same' },
    { ...base, label: 'batch 32', batch: 32, height: 6, width: 6, kernel: [3, 3], pad: 'same' },
    { ...base, label: 'kernel 1x1, stride 2', kernel: [1, 1], strides: [2, 2], pad: 'valid' },
    { ...base, label: 'kernel 11x11 on 11x11', height: 11, width: 11, kernel: [11, 11], pad: 'valid' },
    { ...base, label: 'numeric pad 2, strides 1x3', kernel: [5, 3], strides: [1, 3], pad: 2 },
    // im2col transposes the patch matrix when it is no wider than dy (here 9 columns against 24).
    { ...base, label: 'first layer: one channel in, 24 out', batch: 3, height: 12, width: 12, inChannels: 1, outChannels: 24, kernel: [3, 3], pad: 'same' },
    { ...base, label: 'first layer, stride 2, explicit pad', batch: 2, height: 13, width: 11, inChannels: 1, outChannels: 16, kernel: [3, 3], strides: [2, 2], pad: [[0, 0], [0, 2], [1, 0], [0, 0]] },
    { ...base, label: 'every window in the padding', batch: 1, height: 1, width: 1, kernel: [1, 1], strides: [4, 4], pad: 1 },
    {
      label: 'AlexNet-like conv1 (11x11, stride 4, pad 1) at 63 px',
      batch: 2,
      height: 63,
      width: 63,
      inChannels: 3,
      outChannels: 8,
      kernel: [11, 11],
      strides: [4, 4],
      pad: [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ],
    },
  );
  return cases;
}

export interface Gradients {
  dx: Float32Array;
  dw: Float32Array;
}

/** dx and dW of sum(conv2d(x, w) * weights), computed on the active backend. */
export function convGradients(c: ConvCase, x: Float32Array, w: Float32Array, weights: Float32Array, outShape: number[]): Gradients {
  return tf.tidy(() => {
    const xs = tf.tensor4d(x, [c.batch, c.height, c.width, c.inChannels]);
    const ws = tf.tensor4d(w, [...c.kernel, c.inChannels, c.outChannels]);
    const mask = tf.tensor(weights, outShape);
    const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), mask));
    const [dx, dw] = tf.grads(loss)([xs, ws]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}


/** The case as a test name. */
export function caseName(c: ConvCase): string {
  return `${c.label}: x ${c.batch}x${c.height}x${c.width}x${c.inChannels}, w ${c.kernel.join('x')}x${c.inChannels}x${c.outChannels}, pad ${JSON.stringify(c.pad)}`;
}

/** The case's seeded inputs, and its gradients on the cpu backend as the reference (cpu is left active). */
export async function cpuReference(c: ConvCase): Promise<{ x: Float32Array; w: Float32Array; weights: Float32Array; outShape: number[]; reference: Gradients }> {
  const random = seeded(c.height * 131 + c.width * 17 + c.kernel[0]);
  const x = values(random, [c.batch, c.height, c.width, c.inChannels]);
  const w = values(random, [...c.kernel, c.inChannels, c.outChannels]);
  await use('cpu');
  const outShape = tf.tidy(() => tf.conv2d(tf.zeros<tf.Rank.R4>([c.batch, c.height, c.width, c.inChannels]), tf.zeros<tf.Rank.R4>([...c.kernel, c.inChannels, c.outChannels]), c.strides, c.pad).shape);
  const weights = values(random, outShape);
  return { x, w, weights, outShape, reference: convGradients(c, x, w, weights, outShape) };
}
