#!/usr/bin/env node
import { main } from './app';

// Each worker thread opens its own TensorFlow context; by default the first one to touch a CUDA GPU
// reserves nearly all of its memory and the next one fails. Growing on demand lets them share it.
process.env.TF_FORCE_GPU_ALLOW_GROWTH ??= 'true';

// The worker is its own tsup entry, built next to this file.
const workerUrl = new URL('./worker.js', import.meta.url);

main(process.argv.slice(2), workerUrl).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`compare: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
