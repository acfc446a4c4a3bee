import * as tf from '@tensorflow/tfjs';
import { createInitializer, deriveSeed, KERNEL_INITIALIZERS, type KernelInitializerName } from './initializers';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Arguments of {@link GroupedConv2D}. Channels-last (NHWC) only, as everywhere in the zoo. */
export interface GroupedConv2DArgs extends LayerArgs {
  /** Output channels; must be divisible by `groups`. Required. */
  filters: number;
  /** Square kernel side. Required. */
  kernelSize: number;
  /** Square stride. Default: 1. */
  strides?: number;
  /** `same` or `valid`, as in `tf.layers.conv2d`. Default: `valid`. */
  padding?: 'same' | 'valid';
  /** Channel groups; input channels and `filters` must both be divisible by it. Default: 1. */
  groups?: number;
  /** Applied after the bias. Default: `linear`. */
  activation?: 'relu' | 'linear';
  /** Kernel initialiser by name. Default: `glorotUniform`. */
  kernelInitializer?: KernelInitializerName;
  /** Seed for the kernel initialiser. Default: none (random). */
  seed?: number;
}

/**
 * A 2-D convolution whose input and output channels are split into `groups` independent slices, as in
 * the 2012 AlexNet, whose conv2, conv4 and conv5 each saw only the half of the previous layer that
 * lived on the same GPU. `tf.layers.conv2d` has no `groups` argument; this layer does it with one
 * convolution per group, so it runs (and trains) on every backend that has `conv2d`.
 *
 * Each group has its own kernel weight, `kernel_<g>` of shape `[k, k, inChannels / groups, filters /
 * groups]`, initialised with that group's fans (as if it were its own layer, which on two GPUs it
 * was). Separate weights rather than one kernel split at every call: splitting along the channel axis
 * is a strided copy, which on the pure-JS cpu backend cost more than the convolutions themselves.
 */
export class GroupedConv2D extends tf.layers.Layer {
  static readonly className = 'GroupedConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';
  readonly groups: number;
  readonly activation: 'relu' | 'linear';
  readonly kernelInitializer: KernelInitializerName;
  readonly seed: number | undefined;
  private kernels: tf.LayerVariable[] = [];
  private bias: tf.LayerVariable | null = null;

  constructor(args: GroupedConv2DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.padding = args.padding ?? 'valid';
    this.groups = args.groups ?? 1;
    this.activation = args.activation ?? 'linear';
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.seed = args.seed;
    for (const [name, value] of [['filters', this.filters], ['kernelSize', this.kernelSize], ['strides', this.strides], ['groups', this.groups]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`GroupedConv2D: ${name} must be an integer >= 1; received ${value}`);
    }
    if (this.filters % this.groups !== 0) {
      throw new RangeError(`GroupedConv2D: filters (${this.filters}) must be divisible by groups (${this.groups})`);
    }
    if (!KERNEL_INITIALIZERS.includes(this.kernelInitializer)) {
      throw new RangeError(`GroupedConv2D: kernelInitializer must be one of ${KERNEL_INITIALIZERS.join(', ')}; received ${this.kernelInitializer}`);
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const input = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = input[input.length - 1];
    if (channels === null || channels % this.groups !== 0) {
      throw new RangeError(`GroupedConv2D '${this.name}': input channels (${channels}) must be divisible by groups (${this.groups})`);
    }
    const k = this.kernelSize;
    const shape = [k, k, channels / this.groups, this.filters / this.groups];
    this.kernels = Array.from({ length: this.groups }, (_, g) =>
      this.addWeight(`kernel_${g}`, shape, 'float32', createInitializer(this.kernelInitializer, deriveSeed(this.seed, `group${g}`))),
    );
    this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, height, width] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const side = (size: number | null): number | null => {
      if (size === null) return null;
      return this.padding === 'same' ? Math.ceil(size / this.strides) : Math.floor((size - this.kernelSize) / this.strides) + 1;
    };
    return [batch, side(height), side(width), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const xs = this.groups === 1 ? [x] : tf.split(x, this.groups, 3);
      const ys = xs.map((xi, g) => tf.conv2d(xi as tf.Tensor4D, this.kernels[g].read() as tf.Tensor4D, this.strides, this.padding));
      const y = tf.add(ys.length === 1 ? ys[0] : tf.concat(ys, 3), (this.bias as tf.LayerVariable).read());
      return this.activation === 'relu' ? tf.relu(y) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      groups: this.groups,
      activation: this.activation,
      kernelInitializer: this.kernelInitializer,
    };
    if (this.seed !== undefined) config.seed = this.seed;
    return config;
  }
}
tf.serialization.registerClass(GroupedConv2D);

/** A {@link GroupedConv2D} layer. */
export function groupedConv2d(args: GroupedConv2DArgs): GroupedConv2D {
  return new GroupedConv2D(args);
}
