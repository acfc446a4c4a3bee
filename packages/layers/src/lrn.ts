import * as tf from '@tensorflow/tfjs';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Local response normalisation across channels, as in TensorFlow's `tf.nn.local_response_normalization`. */
export interface LocalResponseNormalizationArgs extends LayerArgs {
  /** Half-width of the channel window: a window of `2 * depthRadius + 1` channels. Default: 2 (the paper's n = 5). */
  depthRadius?: number;
  /** Additive constant, the paper's k. Default: 2. */
  bias?: number;
  /**
   * Scale of the sum of squares. Default: 1e-4. TF semantics: not divided by the window size, so this
   * equals the paper's alpha (Caffe and PyTorch divide by n, and would need 5e-4 for the same result).
   */
  alpha?: number;
  /** Exponent. Default: 0.75. */
  beta?: number;
}

/**
 * Local response normalisation (Krizhevsky, Sutskever & Hinton 2012, section 3.3):
 * `b[c] = a[c] / (bias + alpha * sum(a[c']^2 for c' in [c - r, c + r])) ^ beta` over the channel axis
 * of an NHWC tensor. Registered for serialization, so a model that contains it loads back from disk.
 */
export class LocalResponseNormalization extends tf.layers.Layer {
  static readonly className = 'LocalResponseNormalization';
  readonly depthRadius: number;
  readonly bias: number;
  readonly alpha: number;
  readonly beta: number;

  constructor(args: LocalResponseNormalizationArgs = {}) {
    super(args);
    this.depthRadius = args.depthRadius ?? 2;
    this.bias = args.bias ?? 2;
    this.alpha = args.alpha ?? 1e-4;
    this.beta = args.beta ?? 0.75;
    if (!Number.isInteger(this.depthRadius) || this.depthRadius < 0) {
      throw new RangeError(`LocalResponseNormalization: depthRadius must be an integer >= 0; received ${this.depthRadius}`);
    }
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return tf.localResponseNormalization(x, this.depthRadius, this.bias, this.alpha, this.beta);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), depthRadius: this.depthRadius, bias: this.bias, alpha: this.alpha, beta: this.beta };
  }
}
tf.serialization.registerClass(LocalResponseNormalization);

/** A {@link LocalResponseNormalization} layer; with no arguments, the AlexNet paper's constants. */
export function localResponseNormalization(args: LocalResponseNormalizationArgs = {}): LocalResponseNormalization {
  return new LocalResponseNormalization(args);
}
