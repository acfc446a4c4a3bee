import { defineConfig } from 'tsup';

// The check run here with `start`; scripts/prepare.mjs bundles the same entry, with TF.js and the
// zoo packages inside, for the self-contained folder.
export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: ['esm'],
  dts: false,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
