/** Messages between a child's main thread (replica 0) and its worker replicas. */
export interface ReplicaInit {
  backend: string;
  model: string;
  inputSize: number;
  /** This replica's slice of the batch. */
  batch: number;
  rank: number;
  mode: 'train' | 'infer';
  learningRate: number;
  shared: { buffer: SharedArrayBuffer; params: number; replicas: number };
}

export type ToReplica = { type: 'weights'; values: Float32Array[] } | { type: 'gradients' } | { type: 'reduce' } | { type: 'apply' } | { type: 'infer' } | { type: 'stop' };

export type FromReplica = { type: 'ready'; threads: number } | { type: 'ok' } | { type: 'error'; message: string };
