import { defineConfig } from 'tsup';

const common = { format: ['esm', 'cjs'], dts: true, sourcemap: true, target: 'node20' } as const;

// Two builds: the node entry needs tsup's __dirname shim (it finds the package's weights folder),
// and a shared chunk would carry the shim's `path` and `url` imports into the browser-safe main entry.
export default defineConfig([
  { ...common, entry: { index: 'src/index.ts' }, clean: ['!node/**'] },
  { ...common, entry: { 'node/index': 'src/node/index.ts' }, shims: true },
]);
