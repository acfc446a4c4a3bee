/**
 * What each model trains in, a worker thread or a child process, and the environment a child starts
 * with: the one place that decides both, so the header line's reason and the fork agree.
 */
import type { BackendInfo } from '@zoo/backend';
import type { Isolation } from './worker-protocol';

/** Backends that load a native addon, which upstream supports in one thread per process only. */
const NATIVE_BACKENDS = new Set(['tensorflow', 'webgpu']);

export interface IsolationChoice {
  kind: Isolation;
  /** For the run's header line: what each model gets, and why. */
  why: string;
}

/**
 * `requested` is `--isolation` (absent: choose); `tunables` says whether this platform takes glibc's
 * malloc tunables (`ortProcessEnv().tunables`). wasm + onnxruntime trains in processes where it
 * does: onnxruntime-node copies every output into a fresh buffer, and with glibc's malloc kept off
 * mmap large copies reuse heap pages instead of faulting in new ones (AlexNet-224's step about 7 %
 * faster, docs/performance.md), but glibc reads the setting only when a process starts.
 */
export function chooseIsolation(backend: Pick<BackendInfo, 'name' | 'choice'>, requested: Isolation | undefined, tunables: boolean): IsolationChoice {
  const tunedOrt = backend.choice === 'onnxruntime' && tunables;
  if (requested === 'thread') {
    return { kind: 'thread', why: tunedOrt ? "one worker thread each: --isolation thread, so ONNX Runtime runs without glibc's malloc tunables" : 'one worker thread each' };
  }
  if (requested === 'process') return { kind: 'process', why: 'one child process each: --isolation process' };
  if (NATIVE_BACKENDS.has(backend.name)) {
    return { kind: 'process', why: `one child process each: the ${backend.name} backend's native addon does not run in several threads of a process, tensorflow/tfjs#8388` };
  }
  if (tunedOrt) {
    return { kind: 'process', why: "one child process each: ONNX Runtime's outputs copy faster with glibc's malloc kept off mmap, set when a process starts" };
  }
  return { kind: 'thread', why: 'one worker thread each' };
}
