import { defineConfig } from 'tsup';

// An app, not a library: ESM only, no type declarations. The worker and the data-parallel replica
// are entries of their own because each thread loads one as a separate script
// (`new Worker(new URL('./worker.js', import.meta.url))`).
export default defineConfig({
  entry: { cli: 'src/cli.ts', worker: 'src/worker.ts', replica: 'src/replica.ts' },
  format: ['esm'],
  dts: false,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
