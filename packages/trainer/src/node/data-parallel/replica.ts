/**
 * One replica's part of a data-parallel step, the same on replica 0 and on the workers: the
 * trainer's own step in its two halves (`gradientStep`, `gradientUpdate`), with the gradient
 * exchange of shared.ts between them. Steps alternate between the two banks of slots; every
 * replica counts its steps, so all of them use the same bank in the same step.
 */
import * as tf from '@tensorflow/tfjs';
import { replicaSeed } from '../../parallel';
import { gradientStep, gradientUpdate, type ApplyGradients, type GradientStep, type TrainingStepParts } from '../../step';
import { slotOf, weightedMean, type SharedStep } from './shared';

export class ReplicaStep {
  private readonly compute: GradientStep;
  private readonly update: ApplyGradients;
  /** This replica's own copy of the step's mean gradient. */
  private readonly mean: Float32Array;
  private readonly results: Float64Array;
  /** Steps taken; its parity is the bank of the step in progress. */
  private steps = 0;

  constructor(
    private readonly parts: TrainingStepParts,
    private readonly shared: SharedStep,
    private readonly rank: number,
  ) {
    this.compute = gradientStep({ ...parts, seed: replicaSeed(parts.seed, rank) });
    this.update = gradientUpdate(parts.optimizer, parts.trainable);
    this.mean = new Float32Array(shared.params);
    this.results = new Float64Array(shared.results);
  }

  private get bank(): number {
    return this.steps % 2;
  }

  private result(rank: number): number {
    return 2 * (this.bank * this.shared.replicas + rank);
  }

  /** Before the barrier: this replica's gradient of its slice into its slot, its loss and correct count into the results. */
  gradients(xs: tf.Tensor | null, ys: tf.Tensor | null, step: number): void {
    const slot = slotOf(this.shared, this.bank, this.rank);
    const at = this.result(this.rank);
    if (xs === null || ys === null) {
      // A batch smaller than the group: this replica has no examples and weighs nothing.
      slot.fill(0);
      this.results[at] = 0;
      this.results[at + 1] = 0;
      return;
    }
    const { loss, correct, grads } = this.compute(xs, ys, step);
    try {
      let offset = 0;
      for (const g of grads) {
        const values = g.dataSync();
        slot.set(values, offset);
        offset += values.length;
      }
      this.results[at] = loss.dataSync()[0];
      this.results[at + 1] = correct.dataSync()[0];
    } finally {
      tf.dispose([loss, correct, ...grads]);
    }
  }

  /**
   * After the barrier: the weighted mean of every slot, and the trainer's update from it, the same
   * on every replica. Returns the batch's mean loss and correct count. Ends the step.
   */
  apply(weights: readonly number[], lr: number): { loss: number; correct: number } {
    weightedMean(this.shared, this.bank, weights, this.mean);
    let loss = 0;
    let correct = 0;
    weights.forEach((w, r) => {
      loss += w * this.results[this.result(r)];
      correct += this.results[this.result(r) + 1];
    });
    this.steps += 1;
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
    return { loss, correct };
  }
}
