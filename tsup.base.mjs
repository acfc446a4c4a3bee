// The one tsup setup of the zoo's packages: each package's tsup.config.ts names only its entries
// (and, for @zoo/backend, what must stay an import).
import { defineConfig } from 'tsup';

/** What every build shares: ESM + CommonJS with declarations, for Node 20 and bundlers alike. */
const COMMON = { format: ['esm', 'cjs'], dts: true, sourcemap: true, target: 'node20' };

/**
 * One build of `entry` (default: the main entry and, where a package has one, its `/node` entry) into
 * dist/. `options` adds to it (externals, esbuild settings).
 *
 * @param {Record<string, string>} [entry]
 * @param {import('tsup').Options} [options]
 */
export function packageConfig(entry = { index: 'src/index.ts', 'node/index': 'src/node/index.ts' }, options = {}) {
  return defineConfig({ ...COMMON, entry, clean: true, ...options });
}

/**
 * Two builds, so that only the Node entry carries tsup's __dirname shim (it imports node:path and
 * node:url, and finds a family's shipped weights from its own folder): with one build the shim lands
 * in a chunk the main entry shares, and the main entry would no longer bundle for the browser.
 */
export function packageConfigWithShimmedNode() {
  return defineConfig([
    { ...COMMON, entry: { index: 'src/index.ts' }, outDir: 'dist', clean: ['!node/**'] },
    { ...COMMON, entry: { index: 'src/node/index.ts' }, outDir: 'dist/node', clean: true, shims: true },
  ]);
}
