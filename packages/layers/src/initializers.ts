import * as tf from '@tensorflow/tfjs';

/** Weight initialisers a builder accepts, by Keras name. */
export const KERNEL_INITIALIZERS = [
  'glorotUniform',
  'glorotNormal',
  'heUniform',
  'heNormal',
  'lecunUniform',
  'lecunNormal',
  'randomNormal',
] as const;

/**
 * `glorotUniform` (Xavier uniform) is what D2L's `train_ch6` applies to every conv and dense weight.
 * `randomNormal` is the 2012 AlexNet paper's N(0, 0.01).
 */
export type KernelInitializerName = (typeof KERNEL_INITIALIZERS)[number];

type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

/** A kernel initialiser by name; with a seed, the same seed always draws the same weights. */
export function createInitializer(name: KernelInitializerName, seed?: number): Initializer {
  switch (name) {
    case 'glorotUniform':
      return tf.initializers.glorotUniform({ seed });
    case 'glorotNormal':
      return tf.initializers.glorotNormal({ seed });
    case 'heUniform':
      return tf.initializers.heUniform({ seed });
    case 'heNormal':
      return tf.initializers.heNormal({ seed });
    case 'lecunUniform':
      return tf.initializers.leCunUniform({ seed });
    case 'lecunNormal':
      return tf.initializers.leCunNormal({ seed });
    case 'randomNormal':
      return tf.initializers.randomNormal({ mean: 0, stddev: 0.01, seed });
  }
}

/**
 * A per-layer seed from a model seed and the layer's name. Every layer needs its own stream (one seed
 * shared by all would give equal-shaped layers identical weights), and hashing the name rather than
 * counting layers keeps a layer's weights unchanged when a variant inserts a layer before it.
 */
export function deriveSeed(modelSeed: number | undefined, layerName: string): number | undefined {
  if (modelSeed === undefined) return undefined;
  // FNV-1a, 32 bit: tiny, and spreads similar names ("conv1", "conv2") far apart.
  let hash = 0x811c9dc5;
  for (const char of `${modelSeed}/${layerName}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
