#!/usr/bin/env node
// Builds the self-contained GPU-check folder (default apps/gpu-check/dist/zoo-gpu-check): a Node
// binary, Debian's Vulkan loader, the check bundled with TF.js and the zoo packages it imports by
// name (@zoo/backend, @zoo/models, @zoo/trainer), and Dawn's binding, packed into payload.tar.gz
// beside run.sh. Run here (Linux x86_64, with `pnpm install` done and the zoo packages built); the
// folder then runs on a Linux x86_64 machine with an NVIDIA driver and nothing else.
//
//   pnpm --filter gpu-check prepare-folder [--dest DIR]     (builds the packages first)
//   node apps/gpu-check/scripts/prepare.mjs [--dest DIR]    (when they are built)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const appDir = join(here, '..');
const root = join(appDir, '..', '..');
// The @zoo/backend the app depends on (a workspace link): Dawn's binding and tfjs-backend-webgpu are its dependencies.
const backendDir = realpathSync(join(appDir, 'node_modules', '@zoo', 'backend'));
const args = process.argv.slice(2);
const destIndex = args.indexOf('--dest');
const dest = destIndex >= 0 ? args[destIndex + 1] : join(appDir, 'dist', 'zoo-gpu-check');
if (destIndex >= 0 && !dest) throw new Error('--dest: expected a folder');

if (process.platform !== 'linux' || process.arch !== 'x64') {
  throw new Error(`prepare builds a linux-x64 folder and must run on one; this is ${process.platform}-${process.arch}`);
}

const log = (line) => console.log(`prepare: ${line}`);
const run = (cmd, cmdArgs, options = {}) => execFileSync(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...options });
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

const stage = join(tmpdir(), `zoo-gpu-check-stage-${process.pid}`);
rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'bin'), { recursive: true });
mkdirSync(join(stage, 'app'), { recursive: true });
mkdirSync(join(stage, 'lib', 'compat'), { recursive: true });
mkdirSync(join(stage, 'lib', 'glibc'), { recursive: true });

// 1. Type-check, then bundle the check with TF.js, tfjs-backend-webgpu and the zoo packages' builds.
for (const pkg of ['backend', 'models', 'trainer', 'layers']) {
  if (!existsSync(join(appDir, 'node_modules', '@zoo', pkg, 'dist'))) {
    throw new Error(`@zoo/${pkg} is not built: run \`pnpm --filter gpu-check prepare-folder\` (it builds them), or \`pnpm build\` first`);
  }
}
log('type-checking apps/gpu-check');
run(join(root, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', join(appDir, 'tsconfig.json')], { stdio: 'inherit' });
const requireFromTsup = createRequire(createRequire(join(root, 'package.json')).resolve('tsup/package.json'));
const esbuild = requireFromTsup('esbuild');
log('bundling src/main.ts');
const built = await esbuild.build({
  entryPoints: [join(appDir, 'src', 'main.ts')],
  outfile: join(stage, 'app', 'check.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Dawn's binding loads its native addon from its own folder; native TensorFlow and ONNX Runtime
  // (other backends than the one checked) are not shipped.
  external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'onnxruntime-node', 'onnxruntime-node/*'],
  // The packages' ESM builds find their own files through import.meta.url (tsup's __filename shim);
  // in this CommonJS bundle that is the bundle's own URL, from which app/node_modules/webgpu resolves.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  // tsup's builds import their shared chunks bare; the packages say (rightly) that those have no side effects.
  logOverride: { 'ignored-bare-import': 'silent' },
});
// Two copies of tfjs-core would mean two engines, and a backend registered in the other one.
const tfjsCores = [...new Set(Object.keys(built.metafile.inputs).map((p) => p.match(/^.*@tensorflow[/\\]tfjs-core[/\\]/)?.[0]).filter(Boolean))];
if (tfjsCores.length !== 1) throw new Error(`expected one copy of tfjs-core in the bundle, found ${tfjsCores.length}: ${tfjsCores.join(', ')}`);

// 2. Dawn's Node binding, linux-x64 only.
const webgpuDir = realpathSync(join(backendDir, 'node_modules', 'webgpu'));
const webgpuOut = join(stage, 'app', 'node_modules', 'webgpu');
mkdirSync(join(webgpuOut, 'dist', 'linux-x64'), { recursive: true });
for (const file of ['package.json', 'index.js', 'LICENSE.md']) copyFileSync(join(webgpuDir, file), join(webgpuOut, file));
copyFileSync(join(webgpuDir, 'dist', 'linux-x64', 'dawn.node'), join(webgpuOut, 'dist', 'linux-x64', 'dawn.node'));

// 2b. tfjs-backend-wasm's binaries, which it loads from beside the script: the folder can then time
// the CPU backend on the same machine (--backend wasm), and its own tests run it without a GPU.
const wasmDir = realpathSync(join(backendDir, 'node_modules', '@tensorflow', 'tfjs-backend-wasm'));
for (const file of readdirSync(join(wasmDir, 'dist')).filter((f) => f.endsWith('.wasm'))) {
  copyFileSync(join(wasmDir, 'dist', file), join(stage, 'app', file));
}

// 3. Node itself: this machine's binary, without its debug symbols.
const nodeBin = realpathSync(process.execPath);
const nodeOut = join(stage, 'bin', 'node');
try {
  run('strip', ['-o', nodeOut, nodeBin]);
} catch {
  log('strip failed; shipping the unstripped binary');
  copyFileSync(nodeBin, nodeOut);
}
chmodSync(nodeOut, 0o755);

// 4. Debian's Vulkan loader, from the package (apt-get download + dpkg -x), else the installed copy.
const debDir = join(stage, 'deb');
mkdirSync(debDir);
let loaderSource;
try {
  run('apt-get', ['download', 'libvulkan1'], { cwd: debDir, stdio: ['ignore', 'ignore', 'ignore'] });
  const deb = readdirSync(debDir).find((f) => f.endsWith('.deb'));
  run('dpkg', ['-x', join(debDir, deb), join(debDir, 'x')]);
  loaderSource = `${deb} (apt-get download, dpkg -x)`;
} catch {
  const installed = run('dpkg', ['-L', 'libvulkan1']).split('\n').find((f) => /libvulkan\.so\.1\.\d/.test(f));
  if (!installed) throw new Error('libvulkan1 is neither downloadable nor installed: apt-get install libvulkan1');
  mkdirSync(join(debDir, 'x'), { recursive: true });
  copyFileSync(installed, join(debDir, 'x', basename(installed)));
  loaderSource = `${installed} (installed libvulkan1)`;
}
const loaderFile = run('find', [join(debDir, 'x'), '-name', 'libvulkan.so.1.*', '-type', 'f']).trim().split('\n')[0];
copyFileSync(loaderFile, join(stage, 'lib', 'libvulkan.so.1'));
rmSync(debDir, { recursive: true, force: true });

// 5. For hosts older than this one: Dawn's binding needs GLIBCXX_3.4.30 and GLIBC_2.34. run.sh
// uses these only when the host's own libraries are older.
const resolveLib = (name) => {
  const line = run('ldconfig', ['-p']).split('\n').find((l) => l.includes(`${name} (libc6,x86-64)`));
  if (!line) throw new Error(`ldconfig does not know ${name}`);
  return realpathSync(line.split('=>')[1].trim());
};
for (const lib of ['libstdc++.so.6', 'libgcc_s.so.1']) copyFileSync(resolveLib(lib), join(stage, 'lib', 'compat', lib));
for (const lib of ['libc.so.6', 'libm.so.6', 'libpthread.so.0', 'libdl.so.2', 'librt.so.1', 'ld-linux-x86-64.so.2']) {
  copyFileSync(resolveLib(lib), join(stage, 'lib', 'glibc', lib));
}
chmodSync(join(stage, 'lib', 'glibc', 'ld-linux-x86-64.so.2'), 0o755);

// 6. Pack, and write the folder.
const versions = {
  node: process.version,
  tfjs: JSON.parse(readFileSync(createRequire(join(backendDir, 'package.json')).resolve('@tensorflow/tfjs/package.json'), 'utf8')).version,
  tfjsBackendWebgpu: JSON.parse(readFileSync(join(realpathSync(join(backendDir, 'node_modules', '@tensorflow', 'tfjs-backend-webgpu')), 'package.json'), 'utf8')).version,
  webgpu: JSON.parse(readFileSync(join(webgpuDir, 'package.json'), 'utf8')).version,
  vulkanLoader: loaderSource,
  glibc: run('getconf', ['GNU_LIBC_VERSION']).trim(),
};
const files = run('find', ['.', '-type', 'f'], { cwd: stage }).trim().split('\n').sort();
const contents = Object.fromEntries(files.map((f) => [f.replace(/^\.\//, ''), { bytes: statSync(join(stage, f)).size, sha256: sha256(join(stage, f)) }]));

rmSync(dest, { recursive: true, force: true });
mkdirSync(dest, { recursive: true });
log('packing payload.tar.gz');
run('tar', ['-czf', join(dest, 'payload.tar.gz'), '-C', stage, 'bin', 'app', 'lib']);
rmSync(stage, { recursive: true, force: true });
cpSync(join(appDir, 'run.sh'), join(dest, 'run.sh'));
chmodSync(join(dest, 'run.sh'), 0o755);
cpSync(join(appDir, 'README.md'), join(dest, 'README.md'));
writeFileSync(
  join(dest, 'MANIFEST.json'),
  `${JSON.stringify({ preparedAt: new Date().toISOString(), versions, payloadSha256: sha256(join(dest, 'payload.tar.gz')), contents }, null, 2)}\n`,
);
const total = readdirSync(dest).reduce((sum, f) => sum + statSync(join(dest, f)).size, 0);
log(`${relative(process.cwd(), dest) || dest}: ${mib(total)} (payload ${mib(statSync(join(dest, 'payload.tar.gz')).size)}, unpacked ${mib(Object.values(contents).reduce((s, c) => s + c.bytes, 0))})`);
if (!existsSync(join(dest, 'run.sh'))) throw new Error('run.sh missing');
