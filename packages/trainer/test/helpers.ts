import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { seeded } from '@zoo/test-kit';
import type { BatchDataset, EpochRecord, TrainingBatch } from '../src';

export const SIDE = 4;
export const CLASSES = 3;

export interface Synthetic {
  readonly x: number[][]; // flattened SIDE*SIDE images
  readonly labels: number[];
}

/**
 * A linearly separable problem: each class has a random prototype image; examples are the
 * prototype plus noise.
 */
export function synthetic(n: number, seed: number, noise = 0.3): Synthetic {
  const r = seeded(seed);
  const protoRng = seeded(12345);
  const prototypes = Array.from({ length: CLASSES }, () =>
    Array.from({ length: SIDE * SIDE }, () => protoRng() * 2 - 1),
  );
  const x: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * CLASSES);
    labels.push(c);
    x.push(prototypes[c].map((v) => v + noise * (r() * 2 - 1)));
  }
  return { x, labels };
}

/** Batches of `data` as a tf.data dataset, optionally shuffled with a seed (reshuffled per iteration). */
export function dataset(data: Synthetic, batchSize: number, shuffleSeed?: string): BatchDataset {
  const elements = data.x.map((x, i) => ({
    x,
    y: Array.from({ length: CLASSES }, (_, c) => (c === data.labels[i] ? 1 : 0)),
  }));
  let ds = tf.data.array(elements);
  if (shuffleSeed !== undefined) ds = ds.shuffle(elements.length, shuffleSeed);
  return ds.batch(batchSize).map((b) => {
    const { x, y } = b as unknown as { x: tf.Tensor2D; y: tf.Tensor2D };
    return { xs: x.reshape([-1, SIDE, SIDE, 1]), ys: y };
  }) as BatchDataset;
}

export interface ModelOptions {
  /** Seed of the initial weights. */
  seed?: number;
  hidden?: number;
  dropout?: number;
}

/** Flatten → fc1 (relu) → [dropout] → predictions (softmax); same seed, same initial weights. */
export function model(options: ModelOptions = {}): tf.Sequential {
  const { seed = 1, hidden = 16, dropout } = options;
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [SIDE, SIDE, 1], name: 'flatten' }),
      tf.layers.dense({
        units: hidden,
        activation: 'relu',
        name: 'fc1',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      ...(dropout === undefined ? [] : [tf.layers.dropout({ rate: dropout, name: 'drop1' })]),
      tf.layers.dense({
        units: CLASSES,
        activation: 'softmax',
        name: 'predictions',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
}

/** The model's weights as plain arrays. */
export async function weightsOf(m: tf.LayersModel): Promise<number[][]> {
  return Promise.all(m.weights.map(async (w) => Array.from(await w.read().data())));
}

/** The fields of epoch records that must be reproducible (not timings or tensor counts). */
export function metrics(
  history: readonly EpochRecord[],
): Omit<EpochRecord, 'seconds' | 'examplesPerSec' | 'numTensors'>[] {
  return history.map(({ seconds: _s, examplesPerSec: _e, numTensors: _n, ...rest }) => rest);
}

export async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'zoo-trainer-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export type { TrainingBatch };
