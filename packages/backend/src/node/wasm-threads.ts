import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_WASM_THREADS } from '../wasm/limits';

export { MAX_WASM_THREADS };

const MAIN_SCRIPT_PREFIX = 'var WasmBackendModuleThreadedSimd';

/**
 * How long the threaded backend may take to start (its pool workers to load) before
 * {@link setWasmBackendWithThreads} gives up with an error; seconds on an idle machine.
 */
export const THREADED_START_TIMEOUT_MS = 120_000;

/** The version whose bundle layout the workarounds below were written against. */
const VERIFIED_VERSION = '4.22.0';

/**
 * The module-level names of tfjs-backend-wasm 4.22's Node bundle (`var require$$0 =
 * require('fs');` ...) that its threaded module factory refers to.
 */
const BUNDLE_REQUIRES: Readonly<Record<string, string>> = {
  require$$0: 'fs',
  require$$1: 'path',
  require$$3: 'perf_hooks',
  require$$4: 'os',
};

/**
 * Starts the wasm backend on tfjs-backend-wasm's threaded build in Node and returns the number of
 * threads XNNPACK computes with. Call it instead of the first `tf.setBackend('wasm')`.
 *
 * tfjs-backend-wasm 4.22 cannot do this by itself in Node (docs/performance.md, "wasm threads"):
 * its `WASM_HAS_MULTITHREAD_SUPPORT` flag is hard-wired to false there (tensorflow/tfjs#3830); when
 * forced on, it hands Node's `worker_threads` a `blob:` URL, which Node refuses
 * (`ERR_WORKER_PATH`), and its pthread workers evaluate the module factory from a Blob that refers
 * to names (`require$$0`, `commonjsGlobal`) only its rollup bundle defines; and it caps the pool at
 * half of `os.cpus()`, assuming two hyperthreads per core. This function works around all three
 * while the backend initialises: the Blobs are written to files in a temporary folder (removed
 * once the workers have read them) with the missing names defined, and `os.cpus()` reports
 * enough CPUs for `threads`. It then unrefs the pthread workers, which would otherwise keep Node
 * from ever exiting.
 * @param threads 1 to {@link MAX_WASM_THREADS}; more than the machine's cores only adds contention.
 * @throws when `threads` is out of range, when wasm was already initialised (its thread pool is
 *   fixed at start), or when the backend fails to start.
 */
export async function setWasmBackendWithThreads(threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new Error(`threads must be an integer from 1 to ${MAX_WASM_THREADS}; got ${String(threads)}`);
  }
  if (threads > 1 && version_wasm !== VERIFIED_VERSION) {
    throw new Error(`Threaded wasm in Node is set up for @tensorflow/tfjs-backend-wasm ${VERIFIED_VERSION}; found ${version_wasm}`);
  }
  if (tf.engine().registry.wasm !== undefined) {
    throw new Error('The wasm backend is already initialised; call setWasmBackendWithThreads before the first tf.setBackend(\'wasm\')');
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  setThreadsCount(threads);
  const restore = threads > 1 ? patchForNodeWorkers(threads) : () => undefined;
  try {
    const starting = tf.setBackend('wasm');
    if (!(await (threads > 1 ? withinStartTimeout(starting) : starting))) {
      throw new Error("tf.setBackend('wasm') failed; see the error logged above");
    }
  } finally {
    restore();
  }
  if (threads > 1) unrefWorkers();
  return getThreadsCount();
}

/**
 * `starting`, or an error once {@link THREADED_START_TIMEOUT_MS} pass. Emscripten waits for every
 * pool worker to load, and the workers are unref'd: should one never load, nothing would keep Node
 * running and the process would end with status 0 mid-start. The timer keeps it alive, and turns
 * such a stall into an error that names the way out.
 */
async function withinStartTimeout<T>(starting: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `wasm's thread pool did not start within ${THREADED_START_TIMEOUT_MS / 1000} s; ` +
              'ZOO_WASM_THREADS=1 (or threads: 1) runs wasm without threads',
          ),
        ),
      THREADED_START_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([starting, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/** The part of the Emscripten module that holds the pthread workers. */
interface PThreadWorkers {
  PThread?: { runningWorkers?: { unref?: () => void }[]; unusedWorkers?: { unref?: () => void }[] };
}

/**
 * Lets the process exit while the pool's workers wait for work: Emscripten only unrefs a worker
 * when its thread ends, and XNNPACK's threads never end, so Node would otherwise never exit.
 */
function unrefWorkers(): void {
  const backend = tf.findBackend('wasm') as unknown as { wasm?: PThreadWorkers } | undefined;
  const pool = backend?.wasm?.PThread;
  for (const worker of [...(pool?.runningWorkers ?? []), ...(pool?.unusedWorkers ?? [])]) worker.unref?.();
}

/** Installs the three workarounds; returns the function that removes them. Exported for tests. */
export function patchForNodeWorkers(threads: number): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zoo-wasm-threads-'));
  const mainScript = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const workerScript = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');

  // Each file is written once, whole, and renamed into place. Emscripten asks for the worker
  // script's URL once per pool worker; rewriting the file in place each time let a worker that was
  // already starting read it truncated, run an empty script, and exit, and the backend then waited
  // for it forever (seen under load: one start in about ten).
  const written = new Set<string>();
  const writeOnce = (file: string, text: string): void => {
    if (written.has(file)) return;
    const partial = `${file}.partial`;
    writeFileSync(partial, text);
    renameSync(partial, file);
    written.add(file);
  };

  const OriginalBlob = globalThis.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;
  const texts = new WeakMap<Blob, string>();

  // Blob contents cannot be read synchronously, and createObjectURL must answer synchronously.
  globalThis.Blob = class TextRecordingBlob extends OriginalBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const [parts] = args;
      if (!parts.every((part) => typeof part === 'string')) return;
      const text = parts.join('');
      // The main thread only posts this one to the workers, as a Blob; they are pointed at the file.
      if (text.startsWith(MAIN_SCRIPT_PREFIX)) writeOnce(mainScript, `${bundleGlobals(text)}\n${text}`);
      else texts.set(this, text);
    }
  };
  URL.createObjectURL = (blob: Blob): string => {
    const text = texts.get(blob);
    if (text === undefined) return originalCreateObjectURL(blob);
    // The worker script. Inside a worker the main script arrives as a plain Blob (structured clone
    // drops the subclass), so the worker's createObjectURL is pointed at the file written above.
    const shim = `;URL.createObjectURL=()=>${JSON.stringify(mainScript)};URL.revokeObjectURL=()=>{};`;
    writeOnce(workerScript, text + shim);
    return workerScript;
  };
  os.cpus = () => {
    const real = originalCpus();
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]);
  };
  return () => {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
    // Emscripten loads all 8 pool workers, each reading both files, before the backend is ready,
    // and creates no more for up to 8 threads, so the files are no longer needed.
    rmSync(dir, { recursive: true, force: true });
  };
}

/**
 * Declarations of the bundle-level names the threaded factory refers to, which its pthread
 * workers would otherwise lack.
 * @throws when the factory refers to a `require$$N` this file does not know.
 */
function bundleGlobals(factory: string): string {
  const used = new Set(factory.match(/\brequire\$\$\d+\b/g) ?? []);
  const unknown = [...used].filter((name) => BUNDLE_REQUIRES[name] === undefined);
  if (unknown.length > 0) throw new Error(`The threaded wasm factory refers to unknown bundle names: ${unknown.join(', ')}`);
  const requires = [...used].map((name) => `var ${name} = require(${JSON.stringify(BUNDLE_REQUIRES[name])});`);
  return [...requires, 'var commonjsGlobal = globalThis;'].join('\n');
}
