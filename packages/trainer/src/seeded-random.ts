/**
 * Deterministic randomness for the forward pass.
 *
 * TF.js random ops (`tf.randomUniform`, and through it `tf.dropout` and the Dropout layer) draw
 * their own seed from `Math.random()` whenever they are not given one, and a Dropout layer can only
 * be given a seed at construction, after which TF.js reuses that seed, hence the same mask, on every
 * call. So the trainer makes unseeded random ops reproducible instead: during each training step
 * (which TF.js runs synchronously) `Math.random` is replaced by a generator seeded from
 * `(seed, step)`. The mask of step k is then a pure function of the seed and k, which is what makes
 * a resumed run equal an uninterrupted one. The values themselves are generated in JS by TF.js on
 * every backend, so masks are the same on cpu, wasm and GPU backends.
 */

/** Name of the per-step generator, recorded in configs and checkpoints. */
export const STEP_RNG_ALGORITHM = 'splitmix32(seed, step) as Math.random during each step';

/** 32-bit avalanche mix (the finaliser of MurmurHash3). */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The seed of the generator used for global step `step` of a run seeded with `seed`. */
export function stepSeed(seed: number, step: number): number {
  return mix32(mix32(seed ^ 0x9e3779b9) ^ Math.imul(step + 1, 0x27d4eb2f) ^ Math.floor(step / 0x100000000));
}

/** A splitmix32 generator of floats in [0, 1), with `Math.random`'s signature. */
export function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix32(state) / 0x100000000;
  };
}

/**
 * Runs `fn` synchronously with `Math.random` replaced by a generator seeded with `seed`, and puts
 * the original back afterwards, also when `fn` throws. `fn` must not be async: the replacement
 * would leak to whatever runs while it waits.
 */
export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  Math.random = splitmix32(seed);
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
