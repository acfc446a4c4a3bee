/**
 * What the trainer accepts as data, and the checks that turn a wrong batch into a message that says
 * which dataset, epoch and batch it came from.
 */
import * as tf from '@tensorflow/tfjs';

/** One batch: inputs `[batch, ...inputShape]` and one-hot labels `[batch, numClasses]`. */
export type TrainingBatch = { xs: tf.Tensor; ys: tf.Tensor };

/** A tf.data dataset of batches. */
export type BatchDataset = tf.data.Dataset<TrainingBatch>;

/**
 * A dataset, or a function giving the dataset of an epoch (0-based). The trainer calls
 * `iterator()` once per epoch on a dataset, or the function once per epoch; it disposes each
 * batch's `xs` and `ys` after use, as `model.fitDataset` does.
 *
 * Exact resume needs epoch k to yield the same batches in every program run. A function must
 * therefore depend on `epoch` only (e.g. shuffle with a seed derived from it). A dataset whose
 * order depends on how many iterators were made before (tf.data's `shuffle(n, seed)`, which
 * reshuffles per iteration) works too: on resume the trainer first makes, and drops, one iterator
 * per skipped epoch, so iteration k is again the k-th.
 */
export type DatasetSource = BatchDataset | ((epoch: number) => BatchDataset | Promise<BatchDataset>);

function isDataset(x: unknown): x is BatchDataset {
  return typeof x === 'object' && x !== null && typeof (x as { iterator?: unknown }).iterator === 'function';
}

/** Checks that `source` is a dataset or a function, naming the option (`train`, `test`). */
export function checkDatasetSource(name: string, source: unknown): asserts source is DatasetSource {
  if (!isDataset(source) && typeof source !== 'function') {
    throw new TypeError(
      `${name} must be a tf.data.Dataset of { xs, ys } batches or a function (epoch) => dataset, got ${describe(source)}`,
    );
  }
}

/** The dataset of `epoch`. */
export async function datasetForEpoch(name: string, source: DatasetSource, epoch: number): Promise<BatchDataset> {
  const ds = typeof source === 'function' ? await source(epoch) : source;
  if (!isDataset(ds)) {
    throw new TypeError(`${name}(${epoch}) must return a tf.data.Dataset, got ${describe(ds)}`);
  }
  return ds;
}

/** A short description of a value for error messages. */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x instanceof tf.Tensor) return `a ${x.dtype} tensor of shape [${x.shape.join(', ')}]`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === 'object') return `an object with keys {${Object.keys(x).join(', ')}}`;
  if (typeof x === 'function') return 'a function';
  return `${typeof x} ${String(x)}`;
}

/**
 * Checks one dataset element against the model: `xs` matches the model's input shape where that is
 * fixed, `ys` is `[batch, numClasses]`, and both have the same, non-zero, batch size.
 */
export function checkBatch(
  value: unknown,
  where: string,
  inputShape: readonly (number | null)[],
  numClasses: number,
): TrainingBatch {
  const batch = value as Partial<TrainingBatch> | null;
  if (
    typeof batch !== 'object' ||
    batch === null ||
    !(batch.xs instanceof tf.Tensor) ||
    !(batch.ys instanceof tf.Tensor)
  ) {
    throw new TypeError(
      `${where}: each element must be { xs: tf.Tensor, ys: tf.Tensor } (ys one-hot), got ${describe(value)}` +
        (typeof batch === 'object' && batch !== null && 'xs' in batch
          ? ` with xs ${describe(batch.xs)}, ys ${describe(batch.ys)}`
          : ''),
    );
  }
  const { xs, ys } = batch;
  const n = xs.shape[0];
  const fits = xs.rank === inputShape.length && inputShape.every((d, i) => i === 0 || d === null || d === xs.shape[i]);
  if (!fits) {
    throw new RangeError(
      `${where}: xs has shape [${xs.shape.join(', ')}] but the model expects [${inputShape.map((d) => d ?? 'batch').join(', ')}]`,
    );
  }
  if (ys.rank !== 2 || ys.shape[1] !== numClasses || ys.shape[0] !== n || n === 0) {
    throw new RangeError(
      `${where}: ys has shape [${ys.shape.join(', ')}] but one-hot labels of shape [${n}, ${numClasses}] ` +
        `(same batch size as xs, ${numClasses} classes, at least one example) were expected`,
    );
  }
  return { xs, ys };
}

/**
 * Lets timers, I/O and signal handlers (SIGINT → AbortController) run. TF.js on the cpu and wasm
 * backends resolves its promises immediately, so without this a training loop never gives the
 * event loop a turn until it ends.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );
}
