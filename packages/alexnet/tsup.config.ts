import { defineConfig, type Options } from 'tsup';

const common: Options = { format: ['esm', 'cjs'], dts: true, sourcemap: true, target: 'node20' };

// Two builds, so that only the Node entry carries tsup's __dirname shim (it imports node:path and
// node:url, and finds the shipped weights from its own folder): with one build the shim lands in a
// chunk the main entry shares, and the main entry would no longer bundle for the browser.
export default defineConfig([
  { ...common, entry: { index: 'src/index.ts' }, outDir: 'dist', clean: ['!node/**'] },
  { ...common, entry: { index: 'src/node/index.ts' }, outDir: 'dist/node', clean: true, shims: true },
]);
