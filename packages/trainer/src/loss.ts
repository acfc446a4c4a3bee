/**
 * Categorical cross-entropy for classifiers that end in a softmax, computed the robust way.
 *
 * The zoo's models end in a Keras-style `predictions` Dense layer with a softmax. The cross-entropy
 * of softmax probabilities, `−Σ y·log p`, breaks down when `p` underflows: `log 0 = −∞`, and clipping
 * `p` (Keras: to [1e-7, 1 − 1e-7]) makes the loss finite but zeroes the gradient of exactly the
 * examples that are most wrong. So when the output layer applies the softmax itself, the trainer
 * computes the logits that go into it, with the same weights, and takes `−Σ y·logSoftmax(z)`: the
 * same function of the weights, exact and stable, and what PyTorch's `CrossEntropyLoss` (D2L's
 * `train_ch6`) computes on D2L's logit-producing AlexNet. Clipping remains for models whose output
 * layer is something else.
 */
import * as tf from '@tensorflow/tfjs';

/** Which tensor the loss starts from. */
export type LossFrom = 'auto' | 'logits' | 'probabilities';

/**
 * What the loss was computed from, as recorded in the config:
 * `pre-softmax-logits` (the output layer's softmax is skipped and applied as log-softmax),
 * `output-logits` (the model outputs logits: its output layer is linear),
 * `clipped-probabilities` (the model's output, clipped to [ε, 1 − ε]).
 */
export type LossSource = 'pre-softmax-logits' | 'output-logits' | 'clipped-probabilities';

/** Clip of probabilities in `clipped-probabilities` mode (Keras's epsilon). */
export const PROBABILITY_EPSILON = 1e-7;

/** How a classifier's outputs are produced and scored. */
export interface ClassifierHead {
  readonly source: LossSource;
  readonly numClasses: number;
  /** Logits, or probabilities for `clipped-probabilities`, of shape [batch, numClasses]. */
  forward(xs: tf.Tensor, training: boolean): tf.Tensor;
  /** Cross-entropy of each example, shape [batch]. */
  perExampleLoss(outputs: tf.Tensor, ys: tf.Tensor): tf.Tensor;
}

function single<T>(x: T | T[]): T {
  return Array.isArray(x) ? x[0] : x;
}

function asTensor(x: tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[]): tf.Tensor {
  const t = single(x);
  if (!(t instanceof tf.Tensor)) throw new Error('the model returned a symbolic tensor for a concrete input');
  return t;
}

/** The model's single output, checked to be [batch, numClasses]. */
function outputTensor(model: tf.LayersModel): tf.SymbolicTensor {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new RangeError(
      `model must have one input and one output, got ${model.inputs.length} inputs and ${model.outputs.length} outputs`,
    );
  }
  const out = model.outputs[0];
  const numClasses = out.shape[1];
  if (out.shape.length !== 2 || typeof numClasses !== 'number' || numClasses < 2) {
    throw new RangeError(
      `model output must have shape [batch, numClasses >= 2], got [${out.shape.map(String).join(', ')}]`,
    );
  }
  return out;
}

type Forward = (xs: tf.Tensor, training: boolean) => tf.Tensor;

/** The logits in front of the output layer's softmax, or null when they cannot be had. */
function preSoftmaxLogits(model: tf.LayersModel, layer: tf.layers.Layer): Forward | null {
  if (layer.inboundNodes.length !== 1) return null;
  const className = layer.getClassName();
  const input = single(layer.input);
  const trunkOf = () => tf.model({ inputs: model.inputs, outputs: input });
  if (className === 'Activation' || className === 'Softmax') {
    const trunk = trunkOf();
    return (xs, training) => asTensor(trunk.apply(xs, { training }));
  }
  if (className === 'Dense' && input.shape.length === 2) {
    const kernel = layer.weights.find((w) => w.shape.length === 2);
    const bias = layer.getConfig().useBias === false ? undefined : layer.weights.find((w) => w.shape.length === 1);
    if (kernel === undefined || (layer.getConfig().useBias !== false && bias === undefined)) return null;
    const trunk = trunkOf();
    return (xs, training) => {
      const z = tf.matMul(asTensor(trunk.apply(xs, { training })), kernel.read());
      return bias === undefined ? z : tf.add(z, bias.read());
    };
  }
  return null;
}

/**
 * Decides how the loss of `model` is computed. `'auto'`: from the logits in front of the output
 * layer's softmax when that layer is a Dense (on a rank-2 input) or an Activation layer with a
 * softmax, or a Softmax layer over the class axis; from the outputs as logits when that layer is a
 * linear Dense or Activation; from clipped probabilities otherwise. `'logits'`: the same, but an error instead of clipping. `'probabilities'`: always clip.
 */
export function classifierHead(model: tf.LayersModel, lossFrom: LossFrom = 'auto'): ClassifierHead {
  if (!['auto', 'logits', 'probabilities'].includes(lossFrom)) {
    throw new RangeError(`lossFrom must be 'auto', 'logits' or 'probabilities', got ${JSON.stringify(lossFrom)}`);
  }
  const out = outputTensor(model);
  const numClasses = out.shape[1] as number;
  const layer = out.sourceLayer;
  const activation = layer.getConfig().activation;
  const applyModel: Forward = (xs, training) => asTensor(model.apply(xs, { training }));

  let source: LossSource = 'clipped-probabilities';
  let forward: Forward = applyModel;
  if (lossFrom !== 'probabilities') {
    const isLayerWithActivation = ['Dense', 'Activation'].includes(layer.getClassName());
    const axis = layer.getConfig().axis;
    const appliesSoftmax =
      (isLayerWithActivation && activation === 'softmax') ||
      (layer.getClassName() === 'Softmax' && (axis === 1 || axis === -1));
    const logits = appliesSoftmax ? preSoftmaxLogits(model, layer) : null;
    if (logits !== null) {
      source = 'pre-softmax-logits';
      forward = logits;
    } else if (isLayerWithActivation && (activation === 'linear' || activation === undefined)) {
      source = 'output-logits';
    } else if (lossFrom === 'logits') {
      throw new RangeError(
        `lossFrom: 'logits' needs an output layer that is a Softmax layer, or a Dense/Activation layer with a softmax or linear activation, but ` +
          `'${layer.name}' is a ${layer.getClassName()} with activation ${JSON.stringify(activation)}; ` +
          `use lossFrom: 'probabilities'`,
      );
    }
  }

  const perExampleLoss =
    source === 'clipped-probabilities'
      ? (p: tf.Tensor, ys: tf.Tensor): tf.Tensor =>
          tf.neg(tf.sum(tf.mul(ys, tf.log(tf.clipByValue(p, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON))), -1))
      : (z: tf.Tensor, ys: tf.Tensor): tf.Tensor => tf.neg(tf.sum(tf.mul(ys, tf.logSoftmax(z)), -1));

  return { source, numClasses, forward, perExampleLoss };
}

/** Number of rows whose arg-max matches the one-hot label's, as a float32 scalar. */
export function countCorrect(outputs: tf.Tensor, ys: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(outputs, -1), tf.argMax(ys, -1)), 'float32')));
}
