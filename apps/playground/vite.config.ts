/**
 * The playground as a static site: `vite` serves it, `vite build` writes dist/ with relative URLs
 * (any static host, any sub-folder). The shipped weights and tfjs-backend-wasm's .wasm files are not
 * copied into the source tree: the `zoo-assets` plugin serves them from their packages in dev and
 * copies them into dist/ at build, so the site always carries the weights the packages ship.
 */
import { shippedWeightsDir } from '@zoo/models/node';
import { createReadStream, cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { MODELS } from './src/models.ts';

/** tfjs-backend-wasm's dist folder as @zoo/backend resolves it: its .wasm files must match the code bundled with it. */
function wasmDir(): string {
  const fromBackend = createRequire(createRequire(import.meta.url).resolve('@zoo/backend'));
  return dirname(fromBackend.resolve('@tensorflow/tfjs-backend-wasm'));
}

/** URL folder (relative to the site) → folder on disk, and which of its files to publish. */
function assetFolders(): { url: string; dir: string; keep: (file: string) => boolean }[] {
  return [
    ...MODELS.map((m) => ({ url: `weights/${m.name}`, dir: shippedWeightsDir(m.name), keep: () => true })),
    { url: 'wasm', dir: wasmDir(), keep: (f: string) => f.endsWith('.wasm') },
  ];
}

const TYPES: Record<string, string> = { '.json': 'application/json', '.wasm': 'application/wasm', '.bin': 'application/octet-stream' };

function zooAssets(): Plugin {
  const folders = assetFolders();
  for (const f of folders) if (!existsSync(f.dir)) throw new Error(`playground: ${f.dir} is missing (build the workspace: pnpm build)`);
  let outDir = 'dist';
  return {
    name: 'zoo-assets',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname).replace(/^\/+/, '');
        const folder = folders.find((f) => path.startsWith(`${f.url}/`));
        if (folder === undefined) return next();
        const file = normalize(join(folder.dir, path.slice(folder.url.length + 1)));
        if (!file.startsWith(folder.dir + sep) || !folder.keep(file) || !existsSync(file) || !statSync(file).isFile()) return next();
        res.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
        createReadStream(file).pipe(res);
      });
    },
    writeBundle() {
      for (const f of folders) {
        for (const file of readdirSync(f.dir).filter(f.keep)) cpSync(join(f.dir, file), join(outDir, f.url, file));
      }
    },
  };
}

// Cross-origin isolation lets tfjs-backend-wasm use threads; hosts that cannot send these headers get single-threaded wasm.
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  base: './',
  plugins: [zooAssets()],
  server: { headers: ISOLATION },
  preview: { headers: ISOLATION },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // tfjs-backend-wasm starts its threads from the source text of one of its functions
    // (Function.prototype.toString), which must still name the variables around it: no mangling.
    rolldownOptions: { output: { minify: { mangle: false, compress: false, codegen: { removeWhitespace: true } } } },
  },
});
