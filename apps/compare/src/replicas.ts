/**
 * How many data-parallel replicas each model trains with: what `--replicas` says, or with `auto`
 * the backend's rule (`dataParallelReplicas` in `@zoo/backend`), which needs the model's cost per
 * example, so the model is built once here to be described.
 */
import { describeModel } from '@zoo/analysis';
import { dataParallelReplicas, type BackendInfo, type DataParallelChoice } from '@zoo/backend';
import { createModel } from '@zoo/models';
import { badValue } from './errors';
import type { RunSpec } from './presets';

/** Backends whose replicas each compute on a thread of the CPU: where several of them can share it. */
const CPU_CHOICES: readonly string[] = ['onnxruntime', 'wasm', 'cpu'];

/** Forward multiply-adds of one example through `spec`'s model. */
export function macsPerExample(spec: RunSpec, numClasses: number): number {
  const model = createModel(spec.model, { inputSize: spec.inputSize, inChannels: 1, numClasses });
  try {
    return describeModel(model, [1, spec.inputSize, spec.inputSize, 1]).totals.macs;
  } finally {
    model.dispose();
  }
}

/**
 * The replicas of one run given `threads` threads: `option` as asked (an error on a GPU backend,
 * where replicas would share one device for nothing), or the rule under `auto`. `macs` is only
 * called when the rule needs it.
 */
export function planReplicas(
  spec: RunSpec,
  option: number | 'auto' | undefined,
  backend: Pick<BackendInfo, 'choice' | 'device' | 'name'>,
  threads: number,
  macs: () => number,
): DataParallelChoice {
  if (option === undefined || option === 'auto') return dataParallelReplicas(backend, threads, spec.batchSize, macs);
  if (option > 1 && (backend.device === 'gpu' || !CPU_CHOICES.includes(backend.choice))) {
    throw badValue('--replicas', option, `1 or auto on ${backend.name}: data-parallel replicas share the CPU's cores (backends onnxruntime, wasm, cpu)`);
  }
  if (option > spec.batchSize) {
    throw badValue('--replicas', option, `at most the batch size (${spec.batchSize} for ${spec.id}): each replica trains on a slice of every batch`);
  }
  return { replicas: option, why: option === 1 ? 'as asked (--replicas 1)' : `as asked (--replicas ${option}), one backend thread each` };
}

/** {@link planReplicas} for every run, each model built (and disposed) only where the rule needs its cost. */
export function planAllReplicas(
  runs: readonly RunSpec[],
  option: number | 'auto' | undefined,
  backend: BackendInfo,
  threads: number,
  numClasses: number,
): Map<string, DataParallelChoice> {
  return new Map(runs.map((spec) => [spec.id, planReplicas(spec, option, backend, threads, () => macsPerExample(spec, numClasses))]));
}
