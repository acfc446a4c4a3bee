// Every library package's main entry must bundle for a browser as it is: no shims, no aliases, and
// no Node built-in reached from the zoo's own code. esbuild resolves each entry the way a web bundler
// does (the `browser` and `import` conditions), so this is what a user's `esbuild --platform=browser`,
// Vite or webpack build sees.
import { build, type Message, type Plugin } from 'esbuild';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const PACKAGES = ['@zoo/backend', '@zoo/analysis', '@zoo/layers', '@zoo/lenet', '@zoo/alexnet', '@zoo/models', '@zoo/datasets', '@zoo/trainer'];
const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const isBuiltin = (path: string): boolean => path.startsWith('node:') || BUILTINS.has(path) || BUILTINS.has(path.split('/')[0]);

/** A zoo package's own built file, as opposed to a third-party dependency's. */
const isZooFile = (path: string): boolean => /[\\/]packages[\\/][a-z]+[\\/]dist[\\/]/.test(path);

interface Outcome {
  errors: string[];
  /** Node built-ins imported by zoo files: `importer -> built-in`. */
  builtins: string[];
  inputs: string[];
}

async function bundle(pkg: string): Promise<Outcome> {
  const builtins: string[] = [];
  // Third-party packages may map a built-in away in their own `browser` field (tfjs-backend-wasm
  // maps fs to false); that is theirs to do. The zoo's files may not import one at all.
  const noBuiltins: Plugin = {
    name: 'no-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (isBuiltin(args.path) && isZooFile(args.importer)) builtins.push(`${args.importer} -> ${args.path}`);
        return undefined;
      });
    },
  };
  const format = (m: Message) => `${m.text}${m.location ? ` (${m.location.file}:${m.location.line})` : ''}`;
  try {
    const result = await build({
      stdin: { contents: `export * from '${pkg}';`, resolveDir: join(__dirname, '..'), loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [noBuiltins],
    });
    return { errors: result.errors.map(format), builtins, inputs: Object.keys(result.metafile.inputs) };
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    return { errors: errors ? errors.map(format) : [String(err)], builtins, inputs: [] };
  }
}

describe('each package bundles for the browser from its main entry', () => {
  it.each(PACKAGES)('%s', async (pkg) => {
    const { errors, builtins, inputs } = await bundle(pkg);
    expect(errors).toEqual([]);
    expect(builtins).toEqual([]);
    // The bundle took the browser build of the package, never its Node entry.
    const own = inputs.filter(isZooFile);
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((p) => /[\\/]dist[\\/]node[\\/]/.test(p))).toEqual([]);
  });

  it('would catch a Node built-in: the Node entry of @zoo/layers does not bundle', async () => {
    const { errors, builtins } = await bundle('@zoo/layers/node');
    expect(errors.join('\n')).toMatch(/Could not resolve "(node:)?(crypto|fs\/promises|path)"/);
    expect(builtins.length).toBeGreaterThan(0);
  });

  it("keeps @zoo/layers' layer registration in a bundle that imports it only for that", async () => {
    // What a page that loads a saved alexnet-classic with plain tf.loadLayersModel writes.
    const result = await build({
      stdin: { contents: "import '@zoo/layers';", resolveDir: join(__dirname, '..'), loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      minify: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0].text;
    expect(code).toMatch(/registerClass\(LocalResponseNormalization\)/);
    expect(code).toMatch(/registerClass\(GroupedConv2D\)/);
  });
});
