import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

// Silences TF.js's "install the node backend" banner, which would otherwise fill the test output.
// (Not IS_TEST: that turns on a per-kernel leak check that TF.js's own custom-gradient ops fail.)
tf.enableProdMode();

export { between, seeded, values } from '@zoo/test-kit';

/**
 * The relative error this suite uses: max|a - b| / max|b| (the max norm of the difference over the
 * max norm of the reference `b`).
 */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Tensor counts the engine and the active backend hold, for leak checks. */
export function liveCounts(): { tensors: number; dataIds: number } {
  return { tensors: tf.memory().numTensors, dataIds: tf.backend().numDataIds() };
}

/** Switches backend, failing loudly if it does not start. */
export async function use(backend: 'cpu' | 'wasm'): Promise<void> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
}
