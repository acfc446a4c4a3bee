import { backendProcessEnv, glibcRuntimeVersion, ORT_MALLOC_TUNABLES } from '@zoo/backend/node';
import { dataParallelExecArgv } from '@zoo/trainer/node';

/** How a backend's child process starts. */
export interface ChildEnv {
  env: NodeJS.ProcessEnv;
  /** For the onnxruntime backend: the line the bench prints about it. */
  note?: string;
}

/**
 * The environment a backend's child starts with: the one compare's workers get (`backendProcessEnv`
 * from `@zoo/backend/node`), so the bench measures what a run trains with. An onnxruntime child
 * starts with glibc's malloc kept off mmap where glibc reads the setting (docs/performance.md,
 * "Third pass"); the others, and `auto` (whose pick is known only once it has started), with this
 * environment. `platform.glibc` is the C library's version, this process's by default.
 */
export function childEnv(backend: string, env: NodeJS.ProcessEnv = process.env, platform: { glibc?: string } = { glibc: glibcRuntimeVersion() }): ChildEnv {
  const child = backendProcessEnv(backend, env, platform);
  if (backend !== 'onnxruntime') return { env: child.env };
  const note = child.tunables
    ? `child starts with GLIBC_TUNABLES=${ORT_MALLOC_TUNABLES} (glibc's malloc kept off mmap), as compare's workers do`
    : "child starts with this environment, as compare's workers do: glibc's malloc tunables apply only on Linux with glibc";
  return { env: child.env, note };
}

/**
 * The Node flags of a child measuring `replicas`: what compare forks a model trained with as many
 * replicas with (`dataParallelExecArgv`) when every count is above 1 (childRuns gives those a child
 * of their own), else this process's.
 */
export function childExecArgv(replicas: readonly number[], base: readonly string[] = process.execArgv): string[] {
  return dataParallelExecArgv(replicas.length > 0 ? Math.min(...replicas) : 1, base);
}
