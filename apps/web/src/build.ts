/**
 * Builds the page into a folder that any static server can serve: index.html, page.js (the page
 * and the zoo, bundled for the browser by esbuild with nothing shimmed) and tfjs-backend-wasm's
 * .wasm files under wasm/.
 *
 *   pnpm --filter web build            (into apps/web/dist, with the demo's weights and images)
 */
import { build } from 'esbuild';
import { copyFileSync, cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>zoo in the browser</title></head>
<body>
<p>The zoo's page. <a href="?demo">?demo</a> classifies Fashion-MNIST test images with the shipped alexnet-mini
(after <code>pnpm --filter web start</code>); at the console, <code>await zoo.classifyPretrained({ name, url, images })</code>
or <code>await zoo.classify({ models: [{ name, url }], images })</code>.</p>
<script type="module" src="./page.js"></script>
</body>
</html>
`;

/** The dist folder of the tfjs-backend-wasm the bundle holds, whose .wasm files must match its code. */
function wasmDir(inputs: string[]): string {
  const dirs = new Set(inputs.map((p) => /^(.*[\\/]@tensorflow[\\/]tfjs-backend-wasm[\\/]dist)[\\/]/.exec(p)?.[1]).filter((d) => d !== undefined));
  if (dirs.size !== 1) throw new Error(`expected one tfjs-backend-wasm in the page bundle, found ${dirs.size}: ${[...dirs].join(', ')}`);
  return resolve([...dirs][0]);
}

/** Bundles the page into `outDir`; returns the files written, relative to it. */
export async function buildPage(outDir: string): Promise<string[]> {
  mkdirSync(join(outDir, 'wasm'), { recursive: true });
  const { metafile } = await build({
    entryPoints: [join(__dirname, 'page.ts')],
    outfile: join(outDir, 'page.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  const wasmFrom = wasmDir(Object.keys(metafile.inputs));
  writeFileSync(join(outDir, 'index.html'), HTML);
  const wasm = readdirSync(wasmFrom).filter((f) => f.endsWith('.wasm'));
  for (const file of wasm) copyFileSync(join(wasmFrom, file), join(outDir, 'wasm', file));
  return ['index.html', 'page.js', 'page.js.map', ...wasm.map((f) => `wasm/${f}`)];
}

/** What `index.html?demo` loads: @zoo/alexnet's shipped alexnet-mini and 32 test images. */
export function copyDemoAssets(outDir: string): void {
  cpSync(join(__dirname, '..', '..', '..', 'packages', 'alexnet', 'weights', 'alexnet-mini'), join(outDir, 'weights', 'alexnet-mini'), { recursive: true });
  for (const file of ['t10k-images-first32.idx3', 't10k-labels-first32.idx1']) cpSync(join(__dirname, '..', 'test', 'fixtures', file), join(outDir, 'images', file));
}

if (require.main === module) {
  const outDir = resolve(process.argv[2] ?? join(__dirname, '..', 'dist'));
  buildPage(outDir).then(
    (files) => {
      copyDemoAssets(outDir);
      console.log(`web: built ${files.length} files into ${outDir}, and the demo's weights and images`);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
