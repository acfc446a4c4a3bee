/**
 * glibc malloc settings for a process that runs ONNX Runtime kernels, as `GLIBC_TUNABLES` (read by
 * glibc when a process starts, so they are set on the environment of a child to be started; other
 * C libraries ignore the variable).
 *
 * onnxruntime-node's binding copies every output, a preallocated one too, into a fresh ArrayBuffer
 * after each run. glibc serves allocations above 32 MiB with mmap, so each copy of a large output
 * (AlexNet-224's fc1 filter gradient: 105 MB) faults in new zeroed pages and unmaps them when V8
 * collects the buffer: a 64 MiB output cost 46 ms a run, against 9 ms with mmap off and the heap
 * kept (docs/performance.md, "Third pass"). The price is resident memory: freed blocks stay in the
 * process's heap for reuse instead of going back to the system.
 */
export const ORT_MALLOC_TUNABLES = 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184';

/**
 * `env` with {@link ORT_MALLOC_TUNABLES} added to its `GLIBC_TUNABLES` (settings already there are
 * kept and win, coming last), for `child_process.fork`/`spawn` of a process that trains on
 * `wasm + onnxruntime`.
 */
export function withOrtMallocTunables(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const existing = env.GLIBC_TUNABLES;
  return { ...env, GLIBC_TUNABLES: existing === undefined || existing === '' ? ORT_MALLOC_TUNABLES : `${ORT_MALLOC_TUNABLES}:${existing}` };
}

/** The report's header field that names the glibc this process runs on (absent on musl, macOS, Windows). */
interface ReportHeader {
  header?: { glibcVersionRuntime?: unknown };
}

let cachedGlibc: string | null | undefined;

/**
 * The version of glibc this process runs on, or `undefined` where the C library is another (musl,
 * macOS, Windows), which ignores `GLIBC_TUNABLES`. Read once: Node's diagnostic report takes a few
 * milliseconds to build.
 */
export function glibcRuntimeVersion(): string | undefined {
  if (cachedGlibc === undefined) {
    const version = process.platform === 'linux' ? (process.report?.getReport() as ReportHeader | undefined)?.header?.glibcVersionRuntime : undefined;
    cachedGlibc = typeof version === 'string' && version !== '' ? version : null;
  }
  return cachedGlibc ?? undefined;
}

/** The environment for a child process that will run ONNX Runtime kernels. */
export interface OrtProcessEnv {
  /** Whether the platform takes the tunables (Linux with glibc), so that `env` carries them. */
  tunables: boolean;
  /** `env` with {@link ORT_MALLOC_TUNABLES} added where the platform takes them, else `env` as given. */
  env: NodeJS.ProcessEnv;
}

/**
 * The environment to start a process that will run ONNX Runtime kernels with (compare's workers,
 * the bench's children): {@link withOrtMallocTunables} of `env` on Linux with glibc, `env`
 * unchanged elsewhere (other C libraries would ignore the variable, and a stray one only confuses
 * whoever reads the environment). `platform.glibc` is the glibc version the child will run on
 * (absent: another C library); by default this process's, which a child shares.
 */
export function ortProcessEnv(env: NodeJS.ProcessEnv = process.env, platform: { glibc?: string } = { glibc: glibcRuntimeVersion() }): OrtProcessEnv {
  return platform.glibc === undefined ? { tunables: false, env } : { tunables: true, env: withOrtMallocTunables(env) };
}

/**
 * The environment of a child process that will train on `choice` (a `BackendInfo.choice`, as
 * compare's workers and the bench's children are told): {@link ortProcessEnv} for `onnxruntime`,
 * `env` unchanged otherwise. The one place both decide it, so the bench measures what compare runs.
 */
export function backendProcessEnv(choice: string, env: NodeJS.ProcessEnv = process.env, platform: { glibc?: string } = { glibc: glibcRuntimeVersion() }): OrtProcessEnv {
  return choice === 'onnxruntime' ? ortProcessEnv(env, platform) : { tunables: false, env };
}
