/**
 * Evaluation of a classifier on a dataset: loss, accuracy, per-class accuracy and the confusion
 * matrix, in inference mode (dropout off). Sums stay on the device and are read once at the end.
 */
import * as tf from '@tensorflow/tfjs';
import { checkBatch, checkDatasetSource, datasetForEpoch, type DatasetSource, yieldToEventLoop } from './data';
import { classifierHead, type ClassifierHead, type LossFrom, type LossSource } from './loss';

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Number of classes; must equal the model's output size. Default: the model's output size. */
  numClasses?: number;
  /** What the loss is computed from; see `TrainOptions.lossFrom`. Default `'auto'`. */
  lossFrom?: LossFrom;
}

/** What {@link evaluate} measures. */
export interface EvaluationResult {
  /** Examples evaluated. */
  readonly examples: number;
  /** Mean cross-entropy per example. */
  readonly loss: number;
  /** Fraction of examples whose arg-max prediction is the label. */
  readonly accuracy: number;
  /** Accuracy on the examples of each class (recall); null for a class with no examples. */
  readonly perClassAccuracy: readonly (number | null)[];
  /** `confusionMatrix[label][predicted]`: counts of examples. */
  readonly confusionMatrix: readonly (readonly number[])[];
  readonly numClasses: number;
  /** What the loss was computed from. */
  readonly lossSource: LossSource;
}

/** Running sums on the device: read back once, at the end. */
interface Sums {
  lossSum: tf.Tensor;
  correct: tf.Tensor;
  confusion: tf.Tensor;
}

/**
 * Runs `head` over the dataset of `epoch` from `source` without training. Returns null when
 * `signal` aborts it.
 * @internal
 */
export async function runEvaluation(
  model: tf.LayersModel,
  head: ClassifierHead,
  name: string,
  source: DatasetSource,
  epoch: number,
  signal?: AbortSignal,
): Promise<EvaluationResult | null> {
  const inputShape = model.inputs[0].shape;
  const k = head.numClasses;
  const iterator = await (await datasetForEpoch(name, source, epoch)).iterator();
  let sums: Sums = { lossSum: tf.scalar(0), correct: tf.scalar(0), confusion: tf.zeros([k, k]) };
  let examples = 0;
  try {
    for (let batch = 0; ; batch++) {
      if (signal?.aborted) return null;
      const next = await iterator.next();
      if (next.done) break;
      const previous = sums;
      try {
        const { xs, ys } = checkBatch(next.value, `${name}, batch ${batch}`, inputShape, k);
        examples += xs.shape[0];
        sums = tf.tidy(() => {
          const outputs = head.forward(xs, false);
          const labels = tf.argMax(ys, -1) as tf.Tensor1D;
          const predictions = tf.argMax(outputs, -1) as tf.Tensor1D;
          return {
            lossSum: tf.add(previous.lossSum, tf.sum(head.perExampleLoss(outputs, ys))),
            correct: tf.add(previous.correct, tf.sum(tf.cast(tf.equal(predictions, labels), 'float32'))),
            // tf.math.confusionMatrix multiplies int32 one-hots, which wasm's BatchMatMul rejects; float32
            // counts are exact up to 2^24 examples per cell.
            confusion: tf.add(
              previous.confusion,
              tf.matMul(tf.oneHot(labels, k).toFloat(), tf.oneHot(predictions, k).toFloat(), true, false),
            ),
          };
        });
        tf.dispose([previous.lossSum, previous.correct, previous.confusion]);
      } finally {
        tf.dispose(next.value);
      }
      await yieldToEventLoop();
    }
    if (examples === 0) throw new RangeError(`${name} yielded no batches`);
    const [lossSum] = await sums.lossSum.data();
    const [correct] = await sums.correct.data();
    const confusionMatrix = (await sums.confusion.array()) as number[][];
    const perClassAccuracy = confusionMatrix.map((row, c) => {
      const total = row.reduce((a, b) => a + b, 0);
      return total === 0 ? null : row[c] / total;
    });
    return {
      examples,
      loss: lossSum / examples,
      accuracy: correct / examples,
      perClassAccuracy,
      confusionMatrix,
      numClasses: k,
      lossSource: head.source,
    };
  } finally {
    tf.dispose([sums.lossSum, sums.correct, sums.confusion]);
  }
}

/**
 * Evaluates `model` on `dataset` (batches `{ xs, ys }` with one-hot `ys`) in inference mode:
 * mean cross-entropy, accuracy, per-class accuracy and the confusion matrix (rows: labels,
 * columns: predictions).
 */
export async function evaluate(
  model: tf.LayersModel,
  dataset: DatasetSource,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  checkDatasetSource('dataset', dataset);
  const head = classifierHead(model, options.lossFrom ?? 'auto');
  if (options.numClasses !== undefined && options.numClasses !== head.numClasses) {
    throw new RangeError(`numClasses is ${String(options.numClasses)} but the model has ${head.numClasses} outputs`);
  }
  const result = await runEvaluation(model, head, 'dataset', dataset, 0);
  if (result === null) throw new Error('unreachable: evaluation without a signal cannot abort');
  return result;
}
