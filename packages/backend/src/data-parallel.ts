/**
 * When a model trains faster as data-parallel replicas (`@zoo/trainer/node`'s startDataParallel,
 * one backend thread each) than as one replica on all the run's threads.
 *
 * On wasm + onnxruntime everything outside ORT's kernels (TF.js's engine and tape, the small ops,
 * the optimizer) runs on one thread, and ORT's own threads gain little on small convolutions, so a
 * small model leaves the second core mostly idle. Measured on this project's 2-core machine
 * (docs/performance.md, "Data-parallel training"), 2 replicas against 2 ORT threads over nine
 * runs: lenet5-relu (0.42 M multiply-adds per example) 0.67–1.25x, median 1.0x (1.16–1.28x in the
 * last three), alexnet-mini (6.9 M) 0.99–1.49x, median 1.17x (1.40–1.49x once the replicas' processes
 * kept GC helper threads off their cores), AlexNet at 224 px (938 M) 0.6–0.8x, whose convolutions
 * split well over ORT's threads and whose 47 M
 * parameters make the gradient exchange dear. Plain wasm was mixed (LeNet 0.73x, alexnet-mini
 * 1.11x), so it keeps its threads.
 */
import type { BackendInfo } from './init';

/** Forward multiply-adds per example below which a model trains as replicas on wasm + onnxruntime. */
export const DATA_PARALLEL_MAX_MACS_PER_EXAMPLE = 1e8;

/** The fewest examples a replica's slice should hold: below it fixed per-op costs eat the gain. */
export const DATA_PARALLEL_MIN_SLICE = 32;

/** What {@link dataParallelReplicas} decided, and why, in words for a run's log. */
export interface DataParallelChoice {
  /** Replicas, one backend thread each; 1 means none (the run trains on `threads` backend threads). */
  replicas: number;
  why: string;
}

/**
 * Replicas for a model trained in batches of `batch` by a run given `threads` threads on
 * `backend`. `macsPerExample` gives the model's forward multiply-adds per example; it is called
 * only when the backend and the threads leave the choice to the model's cost (describing a model
 * means building it).
 */
export function dataParallelReplicas(backend: Pick<BackendInfo, 'choice'>, threads: number, batch: number, macsPerExample: () => number): DataParallelChoice {
  if (backend.choice !== 'onnxruntime') return { replicas: 1, why: `${backend.choice} computes on its own threads` };
  if (threads < 2) return { replicas: 1, why: 'one thread for this run' };
  const macs = macsPerExample();
  if (!(macs < DATA_PARALLEL_MAX_MACS_PER_EXAMPLE)) {
    return { replicas: 1, why: `${(macs / 1e6).toFixed(0)} M multiply-adds per example: its convolutions use ONNX Runtime's threads well` };
  }
  const replicas = Math.min(threads, Math.max(1, Math.floor(batch / DATA_PARALLEL_MIN_SLICE)));
  if (replicas < 2) return { replicas: 1, why: `a batch of ${batch} is too small to split` };
  return {
    replicas,
    why: `${(macs / 1e6).toFixed(1)} M multiply-adds per example: a small model trains faster as ${replicas} replicas of one thread than on ${threads} ONNX Runtime threads`,
  };
}
