/** Putting a checkpoint back into a model and a fresh optimizer, once both are known to fit it. */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../../errors';
import { architectureFingerprint, fingerprintDifference, shapeText } from '../../fingerprint';
import type { TrainerOptimizer } from '../../optimizers';
import type { LoadedCheckpoint } from './manifest';
import { unpack } from './tensors';

/**
 * Puts a loaded checkpoint's weights into `model` and its state into a fresh `optimizer`, after
 * checking that both match what the checkpoint was written for.
 */
export async function restoreCheckpoint(
  loaded: LoadedCheckpoint,
  model: tf.LayersModel,
  optimizer: TrainerOptimizer,
  optimizerName: string,
  trainable: readonly tf.Variable[],
): Promise<void> {
  const { manifest } = loaded;
  const difference = fingerprintDifference(manifest.fingerprint, await architectureFingerprint(model));
  if (difference !== null) {
    throw new CheckpointError(loaded.path, `was written for another model architecture: ${difference}`);
  }
  if (manifest.optimizer.name !== optimizerName) {
    throw new CheckpointError(
      loaded.path,
      `holds the state of optimizer '${manifest.optimizer.name}' but this run uses '${optimizerName}'`,
    );
  }
  const wanted = model.weights;
  const saved = manifest.tensors.weights;
  saved.forEach((e, i) => {
    if (i >= wanted.length || shapeText(e.shape) !== shapeText(wanted[i].shape)) {
      throw new CheckpointError(
        loaded.path,
        `weight ${i} (${e.name}) has shape ${shapeText(e.shape)}, the model's ${wanted[i]?.name ?? 'nothing'}`,
      );
    }
  });
  if (saved.length !== wanted.length) {
    throw new CheckpointError(loaded.path, `holds ${saved.length} weights, the model has ${wanted.length}`);
  }
  const slots = manifest.tensors.optimizer.slice(1);
  const perVariable = optimizer.slotNames.length;
  const slotsOk =
    manifest.tensors.optimizer[0]?.name === 'iter' &&
    (slots.length === 0 || slots.length === perVariable * trainable.length) &&
    slots.every((e, i) => shapeText(e.shape) === shapeText(trainable[Math.floor(i / Math.max(1, perVariable))].shape));
  if (!slotsOk) {
    throw new CheckpointError(
      loaded.path,
      `optimizer state (${manifest.tensors.optimizer.length} tensors) does not fit ${trainable.length} trainable ` +
        `weights with ${perVariable} slot(s) each`,
    );
  }

  const weightTensors = saved.map((e) => unpack(loaded.weights, e));
  const optimizerTensors = manifest.tensors.optimizer.map((e) => ({
    name: e.name,
    tensor: unpack(loaded.optimizer, e),
  }));
  try {
    model.setWeights(weightTensors);
    await optimizer.setWeights(optimizerTensors);
  } finally {
    tf.dispose(weightTensors);
    tf.dispose(optimizerTensors.map((t) => t.tensor));
  }
}
