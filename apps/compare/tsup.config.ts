import { defineConfig } from 'tsup';

// An app, not a library: ESM only, no type declarations. The worker is its own entry because each
// worker thread loads it as a separate script (`new Worker(new URL('./worker.js', import.meta.url))`).
export default defineConfig({
  entry: { cli: 'src/cli.ts', worker: 'src/worker.ts' },
  format: ['esm'],
  dts: false,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
