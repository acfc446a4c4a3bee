import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/node';
import { between, runOn, scaledMaxError, seeded, values as randomValues } from '@zoo/test-kit';
import { itWithAdapter } from './webgpu-probe';

// Every gradient the zoo's models take, on randomized shapes, against the cpu backend. Fixed seeds:
// each case's seed is in its name, so a failure is reproducible.
const TOLERANCE = 1e-4;
const itGpu = itWithAdapter();

beforeAll(async () => {
  if (itGpu !== it) return;
  await initBackend({ backend: 'webgpu' });
  await tf.setBackend('cpu');
});

/** Gradients of `sum(f(inputs) * weights)` with respect to every input, so dy is random too. */
async function expectGradientsToMatch(
  shapes: number[][],
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  seed: number,
): Promise<void> {
  const rng = seeded(seed);
  const values = shapes.map((shape) => randomValues(rng, shape));
  let weights: Float32Array | undefined;
  const compute = (): tf.Tensor[] => {
    const inputs = shapes.map((shape, i) => tf.tensor(values[i], shape));
    const probe = f(...inputs);
    weights ??= randomValues(rng, [probe.size]);
    const w = tf.tensor(weights, probe.shape);
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => f(...xs).mul(w).sum())(inputs);
    return [f(...inputs), value, ...grads];
  };
  const expected = await runOn('cpu', compute);
  const actual = await runOn('webgpu', compute);
  const names = ['output', 'loss', ...shapes.map((_, i) => `d/d input ${i}`)];
  const errors = Object.fromEntries(names.map((name, i) => [name, scaledMaxError(actual[i], expected[i])]));
  for (const [name, error] of Object.entries(errors)) {
    if (!(error <= TOLERANCE)) throw new Error(`${name}: scaled error ${error} > ${TOLERANCE} (all: ${JSON.stringify(errors)})`);
  }
}

interface ConvCase {
  seed: number;
  batch: number;
  size: number;
  inChannels: number;
  filters: number;
  kernel: number;
  stride: number;
  padding: 'same' | 'valid';
}

/** Convolutions like the zoo's: kernels 1-11, strides 1-4 (AlexNet's conv1 is 11x11 / 4), both paddings. */
function convCases(count: number): ConvCase[] {
  return Array.from({ length: count }, (_, i) => {
    const seed = 1000 + i;
    const rng = seeded(seed);
    const kernel = [1, 3, 5, 11][between(rng, 0, 3)];
    const stride = between(rng, 1, 4);
    return {
      seed,
      batch: between(rng, 1, 3),
      size: between(rng, kernel, kernel + 12),
      inChannels: between(rng, 1, 8),
      filters: between(rng, 1, 12),
      kernel,
      stride,
      padding: rng() < 0.5 ? 'same' : 'valid',
    };
  });
}

describe('WebGPU gradients match cpu', () => {
  for (const c of convCases(12)) {
    const name = `conv2d ${c.batch}x${c.size}x${c.size}x${c.inChannels} * ${c.kernel}x${c.kernel}x${c.filters} /${c.stride} ${c.padding} (seed ${c.seed})`;
    itGpu(`${name}: input and filter gradients`, () =>
      expectGradientsToMatch(
        [
          [c.batch, c.size, c.size, c.inChannels],
          [c.kernel, c.kernel, c.inChannels, c.filters],
        ],
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.padding),
        c.seed,
      ),
    );
  }

  for (const [i, pool] of (['max', 'avg', 'max', 'avg', 'max', 'avg'] as const).entries()) {
    const seed = 2000 + i;
    const rng = seeded(seed);
    const size = between(rng, 4, 14);
    const window = between(rng, 2, 3);
    const stride = between(rng, 1, window);
    const padding = rng() < 0.5 ? 'same' : 'valid';
    const shape = [between(rng, 1, 3), size, size, between(rng, 1, 6)];
    itGpu(`${pool}Pool ${shape.join('x')} window ${window} /${stride} ${padding} (seed ${seed})`, () =>
      expectGradientsToMatch(
        [shape],
        (x) => (pool === 'max' ? tf.maxPool : tf.avgPool)(x as tf.Tensor4D, window, stride, padding),
        seed,
      ),
    );
  }

  for (const [i, activation] of (['sigmoid', 'relu', 'linear'] as const).entries()) {
    const seed = 3000 + i;
    const rng = seeded(seed);
    const [batch, inputs, units] = [between(rng, 1, 16), between(rng, 1, 300), between(rng, 1, 130)];
    itGpu(`dense ${batch}x${inputs} -> ${units}, ${activation} (seed ${seed})`, () =>
      expectGradientsToMatch(
        [
          [batch, inputs],
          [inputs, units],
          [units],
        ],
        (x, w, b) => {
          const z = tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D).add(b);
          return activation === 'sigmoid' ? tf.sigmoid(z) : activation === 'relu' ? tf.relu(z) : z;
        },
        seed,
      ),
    );
  }

  // The paper's constants barely bend the input (alpha 1e-4); a large alpha checks the gradient's shape too.
  for (const [i, alpha] of [1e-4, 0.5].entries()) {
    const seed = 4000 + i;
    itGpu(`localResponseNormalization radius 2, alpha ${alpha} (seed ${seed})`, () =>
      expectGradientsToMatch([[2, 5, 5, 11]], (x) => tf.localResponseNormalization(x as tf.Tensor4D, 2, 2, alpha, 0.75), seed),
    );
  }

  itGpu('grouped convolution: split, convolve each half, concat (seed 5000)', () =>
    expectGradientsToMatch(
      [
        [2, 9, 9, 6],
        [3, 3, 3, 4],
        [3, 3, 3, 4],
      ],
      (x, w1, w2) => {
        const [a, b] = tf.split(x, 2, 3) as tf.Tensor4D[];
        return tf.concat([tf.conv2d(a, w1 as tf.Tensor4D, 1, 'same'), tf.conv2d(b, w2 as tf.Tensor4D, 1, 'same')], 3);
      },
      5000,
    ),
  );

  itGpu('dropout with a seed, then softmax cross-entropy (seed 6000)', () =>
    expectGradientsToMatch(
      [[8, 10]],
      (x) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10), tf.dropout(x, 0.5, undefined, 7)),
      6000,
    ),
  );
});
