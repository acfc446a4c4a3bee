/**
 * One replica's part of a data-parallel step, the same on replica 0 and on the workers: the
 * trainer's own step in its two halves (`gradientStep`, `gradientUpdate`), with the gradient
 * exchange of shared.ts between them.
 */
import * as tf from '@tensorflow/tfjs';
import { replicaSeed } from '../../parallel';
import { gradientStep, gradientUpdate, type ApplyGradients, type GradientStep, type TrainingStepParts } from '../../step';
import { reduceShare, type SharedStep } from './shared';

export class ReplicaStep {
  private readonly compute: GradientStep;
  private readonly update: ApplyGradients;
  private readonly slot: Float32Array;
  private readonly mean: Float32Array;
  private readonly results: Float64Array;

  constructor(
    private readonly parts: TrainingStepParts,
    private readonly shared: SharedStep,
    private readonly rank: number,
  ) {
    this.compute = gradientStep({ ...parts, seed: replicaSeed(parts.seed, rank) });
    this.update = gradientUpdate(parts.optimizer, parts.trainable);
    this.slot = new Float32Array(shared.slots, rank * shared.params * 4, shared.params);
    this.mean = new Float32Array(shared.mean);
    this.results = new Float64Array(shared.results);
  }

  /** Phase 1: this replica's gradient of its slice into its slot, its loss and correct count into the results. */
  gradients(xs: tf.Tensor | null, ys: tf.Tensor | null, step: number): void {
    if (xs === null || ys === null) {
      // A batch smaller than the group: this replica has no examples and weighs nothing.
      this.slot.fill(0);
      this.results[2 * this.rank] = 0;
      this.results[2 * this.rank + 1] = 0;
      return;
    }
    const { loss, correct, grads } = this.compute(xs, ys, step);
    try {
      let offset = 0;
      for (const g of grads) {
        const values = g.dataSync();
        this.slot.set(values, offset);
        offset += values.length;
      }
      this.results[2 * this.rank] = loss.dataSync()[0];
      this.results[2 * this.rank + 1] = correct.dataSync()[0];
    } finally {
      tf.dispose([loss, correct, ...grads]);
    }
  }

  /** Phase 2: this replica's share of the weighted mean. */
  reduce(weights: readonly number[]): void {
    reduceShare(this.shared, this.rank, weights);
  }

  /** Phase 3: the trainer's update from the mean, the same on every replica. */
  apply(lr: number): void {
    let offset = 0;
    const grads = this.parts.trainable.map((v) => {
      const g = tf.tensor(this.mean.subarray(offset, offset + v.size), v.shape, 'float32');
      offset += v.size;
      return g;
    });
    try {
      this.update(grads, lr);
    } finally {
      tf.dispose(grads);
    }
  }

  /** The batch's mean loss and correct count, from every replica's results and weights. */
  combined(weights: readonly number[]): { loss: number; correct: number } {
    let loss = 0;
    let correct = 0;
    weights.forEach((w, r) => {
      loss += w * this.results[2 * r];
      correct += this.results[2 * r + 1];
    });
    return { loss, correct };
  }
}
