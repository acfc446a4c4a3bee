import type { BenchResult } from '../src/types';

export function result(over: Partial<BenchResult>): BenchResult {
  const base: BenchResult = {
    framework: 'zoo',
    backend: 'wasm',
    model: 'lenet5-relu',
    mode: 'train',
    batch: 128,
    measuredBatch: 128,
    inputSize: 28,
    threads: 1,
    replicas: 1,
    warmupSteps: 1,
    timesMs: [100],
    medianMs: 100,
    imagesPerSecond: 1280,
    cpuMs: [100],
    imagesPerCpuSecond: 1280,
    estimated: false,
  };
  return { ...base, ...over };
}
