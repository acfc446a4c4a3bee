/**
 * Every finished run leaves its trained model in the run folder, `models/<run id>/`: TF.js Layers
 * format (model.json + weights, for `tf.loadLayersModel`) with the zoo's weights manifest, the same
 * as the shipped weights, so `loadPretrained(model, { weightsPath })` and `compare classify --run`
 * load it with its checksum verified.
 */
import { basename, dirname, join, relative } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { FASHION_MNIST_CLASSES } from '@zoo/datasets';
import { DEFAULT_NORMALIZATION } from '@zoo/models';
import { saveTrainedModel } from '@zoo/models/node';
import type { EvaluationResult, TrainResult } from '@zoo/trainer';
import type { RunSpec } from './presets';

/** What the report says about a run's saved model. */
export interface SavedModelInfo {
  /** Folder of the saved model, relative to the run folder (`models/<run id>`). */
  path: string;
  testAccuracy: number;
  sha256: string;
  bytes: number;
}

/** A run folder's layout: `<run>/checkpoints/<id>` is where training checkpoints, `<run>/models/<id>` where the model goes. */
export function modelDirFor(checkpointDir: string): string {
  return join(dirname(dirname(checkpointDir)), 'models', basename(checkpointDir));
}

/** Saves a run's trained model with a manifest built from its own final test evaluation. */
export async function saveRunModel(
  model: tf.LayersModel,
  run: { spec: RunSpec; checkpointDir: string; numClasses: number; backend: string; result: TrainResult; evaluation: EvaluationResult },
): Promise<SavedModelInfo> {
  const { spec, result, evaluation } = run;
  const dir = modelDirFor(run.checkpointDir);
  const runDir = dirname(dirname(run.checkpointDir));
  const manifest = await saveTrainedModel(model, dir, {
    model: spec.model,
    config: { inputSize: spec.inputSize, inChannels: 1, numClasses: run.numClasses, seed: spec.seed },
    categories: run.numClasses === FASHION_MNIST_CLASSES.length ? [...FASHION_MNIST_CLASSES] : Array.from({ length: run.numClasses }, (_, i) => String(i)),
    input: { size: spec.inputSize, channels: 1, layout: 'NHWC', normalization: DEFAULT_NORMALIZATION },
    dataset: 'fashion-mnist',
    testAccuracy: evaluation.accuracy,
    testLoss: evaluation.loss,
    testExamples: evaluation.examples,
    recipe: { optimizer: result.config.optimizer, batchSize: spec.batchSize, epochs: spec.epochs, seed: spec.seed, limitTrain: spec.limitTrain ?? null },
    command: `pnpm --filter compare start (run '${spec.id}' of ${runDir}; its run.json holds the flags)`,
    backend: run.backend,
    trainSeconds: Math.round(result.history.reduce((s, r) => s + r.seconds, 0) * 10) / 10,
    history: result.history.map((r) => ({ epoch: r.epoch + 1, loss: r.loss, trainAcc: r.trainAcc, testLoss: r.testLoss, testAcc: r.testAcc, lr: r.lr, seconds: r.seconds })),
  });
  return { path: relative(runDir, dir), testAccuracy: manifest.testAccuracy, sha256: manifest.sha256, bytes: manifest.bytes };
}
