import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the library API (tests, other tools); main: the CLI; child: the per-backend process main forks.
  entry: ['src/index.ts', 'src/main.ts', 'src/child.ts', 'src/replica-worker.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  // main finds child.js and the PyTorch script through import.meta.url, in either format.
  shims: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
