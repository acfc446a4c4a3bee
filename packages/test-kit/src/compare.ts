import * as tf from '@tensorflow/tfjs';

/** Runs `compute` on a backend (its tensors made there) and reads back what it returns. */
export async function runOn(backend: string, compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`runOn: cannot switch to backend '${backend}'`);
  const outputs = tf.tidy(compute);
  try {
    return await Promise.all(outputs.map(async (t) => (await t.data()) as Float32Array));
  } finally {
    tf.dispose(outputs);
  }
}

/**
 * The largest difference between `actual` and `expected`, relative to the largest magnitude in
 * `expected` (at least 1): float32 sums taken in a different order differ by about 1e-7 per term
 * relative to the terms, not to the (possibly cancelling) result. A NaN anywhere counts as Infinity.
 */
export function scaledMaxError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) throw new Error(`scaledMaxError: actual has length ${actual.length}; expected ${expected.length}, the length of expected`);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= worst)) worst = Number.isNaN(diff) ? Infinity : diff;
  }
  return worst / scale;
}

/**
 * Each model's prediction for `x`, read back as a plain array (the output tensors disposed), so that
 * a saved-and-loaded model is compared with its original by `expect(loaded).toEqual(original)`.
 */
export function predictions(models: readonly tf.LayersModel[], x: tf.Tensor): number[][] {
  return models.map((m) => {
    const y = m.predict(x) as tf.Tensor;
    const values = Array.from(y.dataSync());
    y.dispose();
    return values;
  });
}
