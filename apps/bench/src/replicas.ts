/**
 * Data-parallel training across worker threads, one TF.js instance per thread: the lever for using
 * every core when the backend computes on one (tfjs-backend-wasm disables its threaded build under
 * Node, tensorflow/tfjs#3830). Each replica runs the same model on its slice of the batch; gradients
 * meet in one SharedArrayBuffer, each replica averages its share of the parameters, then every
 * replica applies the same averaged update with the trainer's optimizer, so the weights stay
 * identical. Each half is `@zoo/trainer`'s step (its `computeGradients` and `applyGradients`).
 */
import * as tf from '@tensorflow/tfjs';
import { createTrainingStep, trainableVariables, type CreatedTrainingStep } from '@zoo/trainer';
import { averageInto, shareOf, type SharedGrads } from './all-reduce';

export { sharedGrads } from './all-reduce';

/** One replica's model, its slice of the data and what it does in each phase of a step. */
export class Replica {
  private readonly vars: tf.Variable[];
  private readonly training: CreatedTrainingStep;
  private index = 0;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly data: { xs: tf.Tensor4D; labels: tf.Tensor2D },
    private readonly shared: SharedGrads,
    private readonly rank: number,
    private readonly learningRate: number,
  ) {
    // The trainer's own step, in its two halves: the all-reduce sits between them.
    this.training = createTrainingStep(model, { optimizer: { name: 'sgd', lr: learningRate } });
    this.vars = trainableVariables(model);
  }

  static paramCount(model: tf.LayersModel): number {
    return model.trainableWeights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
  }

  /** Phase 1: this replica's gradient into its slot. Returns its loss. */
  gradients(): number {
    const { loss, correct, grads } = this.training.computeGradients(this.data.xs, this.data.labels, this.index++);
    const slot = new Float32Array(this.shared.buffer, this.rank * this.shared.params * 4, this.shared.params);
    let offset = 0;
    for (const g of grads) {
      const values = g.dataSync() as Float32Array;
      slot.set(values, offset);
      offset += values.length;
    }
    const value = loss.dataSync()[0];
    tf.dispose([loss, correct, ...grads]);
    return value;
  }

  /** Phase 2: average this replica's share of the parameters across all slots. */
  reduce(): void {
    const [start, end] = shareOf(this.shared.params, this.shared.replicas, this.rank);
    averageInto(this.shared, start, end);
  }

  /** Phase 3: the trainer's update on every replica, from the averaged slot 0. */
  apply(): void {
    const mean = new Float32Array(this.shared.buffer, 0, this.shared.params);
    let offset = 0;
    const grads = this.vars.map((v) => {
      const g = tf.tensor(mean.subarray(offset, offset + v.size), v.shape);
      offset += v.size;
      return g;
    });
    this.training.applyGradients(grads, this.learningRate);
    tf.dispose(grads);
  }

  /** Inference on this replica's slice, fenced by reading the logits. */
  infer(): void {
    const logits = tf.tidy(() => this.model.apply(this.data.xs, { training: false }) as tf.Tensor);
    logits.dataSync();
    logits.dispose();
  }

  weights(): Float32Array[] {
    return this.vars.map((v) => (v.dataSync() as Float32Array).slice());
  }

  setWeights(values: Float32Array[]): void {
    this.vars.forEach((v, i) => v.assign(tf.tensor(values[i], v.shape)));
  }

  dispose(): void {
    tf.dispose([this.data.xs, this.data.labels]);
    this.training.optimizer.dispose();
    this.model.dispose();
  }
}
