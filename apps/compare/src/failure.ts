import type { RunSpec } from './presets';

/**
 * A run's failure as the report states it: the error's own words, plus the way out where the words
 * alone would mislead. wasm reports running out of its 4 GiB heap as a bounds error deep in a kernel.
 */
export function explainFailure(err: unknown, spec: RunSpec, backend: string): string {
  const error = err instanceof Error ? err : new Error(String(err));
  const text = `${error.name}: ${error.message}`;
  const outOfMemory =
    /memory access out of bounds|out of memory|Aborted\(OOM\)|Cannot enlarge memory|Array buffer allocation failed|Invalid typed array length/i.test(error.message);
  if (!outOfMemory) return text;
  const where = backend === 'wasm' ? "the wasm backend's memory (4 GiB at most)" : 'the memory the backend could get';
  return (
    `${text} — out of memory: a batch of ${spec.batchSize} images at ${spec.inputSize}x${spec.inputSize} px does not fit in ${where}; ` +
    `try a smaller --batch-size (e.g. ${Math.max(1, Math.floor(spec.batchSize / 4))})${spec.inputSize > 28 ? ' or a smaller --resize' : ''}`
  );
}
