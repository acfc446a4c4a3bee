import type * as tf from '@tensorflow/tfjs';
import { createModel } from '@zoo/models';

/**
 * The registry's model at a square input of `inputSize`, ending in logits: the step applies the
 * softmax inside its cross-entropy, as PyTorch's CrossEntropyLoss does on the peer side.
 */
export function buildModel(name: string, inputSize: number): tf.LayersModel {
  return createModel(name, { inputSize, classifierActivation: 'linear' });
}
