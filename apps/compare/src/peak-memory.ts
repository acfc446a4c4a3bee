import * as tf from '@tensorflow/tfjs';

/**
 * Watches TF.js's running count of bytes held in tensors and keeps its maximum. The engine updates
 * `state.numBytes` on every allocation and disposal, so a setter sees the true peak inside a training
 * step (activations kept for the backward pass, gradients), which sampling between batches would miss.
 * `tf.profile` reports the same number but records every kernel call, too costly for a whole run.
 */
export function trackPeakTensorBytes(): { peak(): number } {
  const state = tf.engine().state as unknown as { numBytes: number };
  let current = state.numBytes;
  let peak = current;
  Object.defineProperty(state, 'numBytes', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (value: number) => {
      current = value;
      if (value > peak) peak = value;
    },
  });
  return { peak: () => peak };
}
