import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '../src/wasm';
import { liveCounts, relativeError, seeded, use, values } from './wasm-helpers';

describe('Identity and same-dtype Cast on wasm share data instead of copying it', () => {
  beforeAll(async () => {
    await use('wasm');
    registerWasmTrainingKernels();
  });

  test('a clone is one more reference to the same data, which outlives the original', () => {
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const before = tf.backend().numDataIds();
    const y = tf.clone(x);
    expect(tf.backend().numDataIds()).toBe(before);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    expect(y.shape).toEqual([2, 2]);
    const afterOriginal = tf.backend().numDataIds();
    y.dispose();
    expect(tf.backend().numDataIds()).toBe(afterOriginal - 1);
  });

  test('a cast to the same dtype shares; a cast to another dtype still converts', () => {
    const x = tf.tensor([1.5, -2, 3], [3], 'float32');
    const before = tf.backend().numDataIds();
    const same = tf.cast(x, 'float32');
    expect(tf.backend().numDataIds()).toBe(before);
    const ints = tf.cast(x, 'int32');
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 3]);
    const back = tf.cast(tf.tensor([7, 8], [2], 'int32'), 'float32');
    expect(back.dtype).toBe('float32');
    expect(Array.from(back.dataSync())).toEqual([7, 8]);
    tf.dispose([x, same, ints, back]);
  });

  test('with shared clones a small network trains to the same gradients as with copies, and leaks nothing', () => {
    const random = seeded(12);
    const x = tf.tensor4d(values(random, [4, 8, 8, 2]), [4, 8, 8, 2]);
    const w = tf.variable(tf.tensor4d(values(random, [3, 3, 2, 4]), [3, 3, 2, 4]));
    const b = tf.variable(tf.tensor1d(values(random, [4])));
    const loss = (): tf.Scalar =>
      tf.tidy(() => tf.sum(tf.square(tf.maxPool(tf.relu(tf.add(tf.conv2d(x, w, 1, 'same'), b)) as tf.Tensor4D, 2, 2, 'valid'))));
    const gradients = (): Float32Array[] => {
      const { value, grads } = tf.variableGrads(loss, [w, b]);
      const out = [grads[w.name].dataSync() as Float32Array, grads[b.name].dataSync() as Float32Array];
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    registerWasmTrainingKernels({ shareIdentity: false });
    const copied = gradients();
    registerWasmTrainingKernels();
    gradients();
    const before = liveCounts();
    const shared = gradients();
    expect(liveCounts()).toEqual(before);
    expect(relativeError(shared[0], copied[0])).toBe(0);
    expect(relativeError(shared[1], copied[1])).toBe(0);
    tf.dispose([x, w, b]);
  });
});
