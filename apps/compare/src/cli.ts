#!/usr/bin/env node
import { main } from './app';

// Each worker thread opens its own TensorFlow context; by default the first one to touch a CUDA GPU
// reserves nearly all of its memory and the next one fails. Growing on demand lets them share it.
process.env.TF_FORCE_GPU_ALLOW_GROWTH ??= 'true';

// Progress output must never end training: when the reader of stdout goes (`| head`, a closed
// terminal) writes fail with EPIPE, and without a handler that error would kill the run before its
// checkpoint. The run carries on silently and still writes its report.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

// The worker is its own tsup entry, built next to this file.
const workerUrl = new URL('./worker.js', import.meta.url);

/**
 * Exits once what was written has left: a run is over when main returns, whatever handles a library
 * (a GPU instance, a thread pool, a terminated worker) still holds open.
 */
function exit(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const flushed = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
  // Should a stream never call back (its reader gone), leave anyway.
  setTimeout(() => process.exit(code), 2_000).unref();
}

main(process.argv.slice(2), workerUrl).then(exit, (err: unknown) => {
  process.stderr.write(`compare: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  exit(1);
});
