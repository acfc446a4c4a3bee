#!/usr/bin/env node
// Proves that the published form of the zoo works outside this workspace. It packs each library with
// `pnpm pack` (which rewrites `workspace:^` to a `^version` range), then:
//
// 1. together: `npm install`s the tarballs into a fresh project next to @tensorflow/tfjs, and runs an
//    ESM snippet, a CommonJS snippet, the Example of each package's README, and `tsc` on TypeScript
//    snippets for both module systems;
// 2. alone: installs only @zoo/alexnet into another fresh project, as a user would from the
//    registry. Its dependencies resolve through a registry on 127.0.0.1 that serves the packed
//    tarballs (npm's `@zoo:registry`), so npm itself reads alexnet's dependency ranges and fetches
//    only what they name; nothing comes from outside but @tensorflow/tfjs (from npm's cache when this
//    machine has it). It checks that no other @zoo package came along, then runs alexnet's README
//    Example and a script that saves and loads a model and classifies with the shipped weights.
//
//   pnpm --filter @zoo/alexnet check:pack          (builds what it packs first, via turbo)
//   KEEP=1 pnpm --filter @zoo/alexnet check:pack   (leaves the temp projects for inspection)
//   test/pack.test.ts runs it under `pnpm test`, with ZOO_PACK_PREBUILT=1
/* global process, console */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const packages = ['fs', 'analysis', 'layers', 'lenet', 'alexnet', 'models'];
const tfjsVersion = createRequire(join(root, 'packages/alexnet/package.json'))('@tensorflow/tfjs/package.json').version;
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
const npmQuiet = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

function run(cmd, args, cwd, { echo = false } = {}) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const out = execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (echo) process.stdout.write(out);
  return out;
}

/** npm install, run asynchronously so that this process's registry keeps answering meanwhile. */
function npmInstall(args, cwd) {
  console.log(`$ npm install ${args.join(' ')}`);
  return new Promise((ok, fail) => {
    const child = spawn('npm', ['install', ...args], { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`npm install exited with ${code}`))));
  });
}

/** The package.json inside a tarball, as npm will read it. */
const packedManifest = (tarball) => JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));

/** The first ```js block under a README's `## Example` heading. */
function readmeExample(pkg) {
  const text = readFileSync(join(root, 'packages', pkg, 'README.md'), 'utf8');
  const section = text.split(/^## Example\s*$/m)[1];
  const block = section?.match(/```js\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error(`packages/${pkg}/README.md has no \`\`\`js block under '## Example'`);
  return block;
}

/**
 * A registry for the @zoo scope on 127.0.0.1: a packument per packed package, and its tarball.
 * Only what npm asks for is served; the request log says what it asked for.
 */
async function startRegistry(tarballs) {
  const byName = new Map(tarballs.map((file) => [packedManifest(file).name, file]));
  const requests = [];
  // A path of its own for each run: npm (--prefer-offline) keys its packument cache by URL, and a
  // random port reused from an earlier run would hand it that run's stale manifests.
  const prefix = `/run-${randomUUID()}`;
  const server = createServer((req, res) => {
    const full = decodeURIComponent(req.url.split('?')[0]);
    if (!full.startsWith(`${prefix}/`)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
      return;
    }
    const path = full.slice(prefix.length);
    requests.push(path);
    const tarball = path.startsWith('/-/') ? tarballs.find((f) => basename(f) === path.slice(3)) : undefined;
    if (tarball) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(tarball));
      return;
    }
    const name = path.slice(1);
    const file = byName.get(name);
    if (!file) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
      return;
    }
    const manifest = packedManifest(file);
    const bytes = readFileSync(file);
    const { port } = server.address();
    const version = {
      ...manifest,
      dist: {
        tarball: `http://127.0.0.1:${port}${prefix}/-/${basename(file)}`,
        shasum: createHash('sha1').update(bytes).digest('hex'),
        integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
      },
    };
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ name, 'dist-tags': { latest: manifest.version }, versions: { [manifest.version]: version } }));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}${prefix}/`, requests, close: () => new Promise((ok) => server.close(ok)) };
}

const work = mkdtempSync(join(tmpdir(), 'zoo-pack-check-'));
try {
  // Under `pnpm test`, turbo has built them already (packages/alexnet/turbo.json), and a second turbo
  // rebuilding dist/ here would pull it from under the other packages' tests running meanwhile.
  if (process.env.ZOO_PACK_PREBUILT === '1') {
    for (const p of packages) {
      if (!existsSync(join(root, 'packages', p, 'dist'))) throw new Error(`packages/${p}/dist is missing; build it first`);
    }
  } else {
    run('pnpm', ['turbo', 'run', 'build', ...packages.flatMap((p) => ['--filter', `@zoo/${p}`])], root);
  }
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  for (const p of packages) run('pnpm', ['pack', '--pack-destination', tarballs], join(root, 'packages', p));
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  const tarballOf = (pkg) => files.find((f) => packedManifest(f).name === `@zoo/${pkg}`);
  for (const file of files) {
    const m = packedManifest(file);
    for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
      if (dep.startsWith('@zoo/') && !/^\^\d+\.\d+\.\d+$/.test(range)) {
        throw new Error(`${m.name} depends on ${dep}@${range}; a packed zoo package must depend on a ^range of its siblings`);
      }
    }
    const listing = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n');
    // @zoo/analysis has no Node-only entry, @zoo/fs only that.
    const entries = [...(m.exports?.['.'] ? ['package/dist/index.js'] : []), ...(m.exports?.['./node'] ? ['package/dist/node/index.js'] : [])];
    for (const needed of ['package/README.md', 'package/LICENSE', ...entries]) {
      if (!listing.includes(needed)) throw new Error(`${basename(file)} lacks ${needed.slice('package/'.length)}`);
    }
  }

  // ---- 1. together ----
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'zoo-consumer', version: '1.0.0', private: true }, null, 2));
  // Installing them together lets npm satisfy their ^ranges on each other with the local tarballs.
  run('npm', ['install', ...npmQuiet, `@tensorflow/tfjs@${tfjsVersion}`, ...files], app);

  const body = (imports) => `${imports}
const assert = (ok, what) => { if (!ok) throw new Error('check failed: ' + what); };
(async () => {
  await tf.setBackend('cpu');
  const net = lenet();
  assert(net.countParams() === 61706, 'lenet5 has 61,706 parameters');
  const big = alexnet();
  assert(big.countParams() === 46764746, 'alexnet has 46,764,746 parameters');
  assert(ALEXNET_MODELS['alexnet-classic'].inputSize === 227, 'metadata without building');
  const mini = createModel('alexnet-mini', { seed: 1 });
  const y = mini.predict(tf.zeros([2, 28, 28, 1]));
  assert(y.shape.join() === '2,10', 'alexnet-mini predicts [2, 10]');
  // A custom layer must survive the disk round trip through the consumer's single tfjs copy.
  const classic = alexnet({ variant: 'alexnet-classic', inputSize: 67, filters: [8, 8, 8, 8, 8], units: [8, 8], numClasses: 3, seed: 2 });
  const dir = require('node:path').join(require('node:os').tmpdir(), 'zoo-pack-model-' + process.pid + '-' + MODE);
  await saveModel(classic, dir);
  const loaded = await loadModel(dir);
  const x = tf.randomUniform([1, 67, 67, 3], 0, 1, 'float32', 3);
  const same = tf.equal(classic.predict(x), loaded.predict(x)).all().dataSync()[0] === 1;
  assert(same, 'alexnet-classic (LRN, grouped conv) round-trips');
  require('node:fs').rmSync(dir, { recursive: true, force: true });
  assert(describeModel(big).totals.macs > 9e8, 'describeModel works');
  console.log(MODE + ' ok: ' + listModels().map((m) => m.name).join(', '));
})().catch((e) => { console.error(e); process.exit(1); });
`;
  writeFileSync(
    join(app, 'esm.mjs'),
    body(`import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { alexnet, ALEXNET_MODELS } from '@zoo/alexnet';
import { lenet } from '@zoo/lenet';
import { describeModel } from '@zoo/layers';
import { loadModel, saveModel } from '@zoo/layers/node';
import { createModel, listModels } from '@zoo/models';
const require = createRequire(import.meta.url);
const MODE = 'esm';`),
  );
  writeFileSync(
    join(app, 'cjs.cjs'),
    body(`const tf = require('@tensorflow/tfjs');
const { alexnet, ALEXNET_MODELS } = require('@zoo/alexnet');
const { lenet } = require('@zoo/lenet');
const { describeModel } = require('@zoo/layers');
const { loadModel, saveModel } = require('@zoo/layers/node');
const { createModel, listModels } = require('@zoo/models');
const MODE = 'cjs';`),
  );
  run(process.execPath, ['esm.mjs'], app, { echo: true });
  run(process.execPath, ['cjs.cjs'], app, { echo: true });
  for (const p of packages) {
    writeFileSync(join(app, `readme-${p}.mjs`), readmeExample(p));
    run(process.execPath, [`readme-${p}.mjs`], app, { echo: true });
  }

  const typed = (importLine) => `${importLine}
const config: AlexNetConfig = { variant: 'alexnet-mini', inputSize: 28, filters: [8, 8, 8, 8, 8] };
const model: tf.LayersModel = alexnet(config);
const small: tf.LayersModel = lenet({ variant: 'lenet5-relu', classifierActivation: 'linear' });
const info: ModelInfo = ALEXNET_MODELS['alexnet-mini'];
const inputSize: number = info.inputSize;
const fromRegistry: tf.LayersModel = createModel('alexnet-classic', { groups: 1, lrn: false });
const d: ModelDescription = describeModel(model);
// @ts-expect-error: not a variant (proves the declarations are real types, not any)
alexnet({ variant: 'alexnet-huge' });
// @ts-expect-error: LeNet has no groups
createModel('lenet5', { groups: 2 });
export { small, inputSize, fromRegistry, d };
`;
  writeFileSync(
    join(app, 'typed.mts'),
    typed(`import * as tf from '@tensorflow/tfjs';
import { alexnet, ALEXNET_MODELS, type AlexNetConfig } from '@zoo/alexnet';
import { lenet } from '@zoo/lenet';
import { describeModel, type ModelDescription, type ModelInfo } from '@zoo/layers';
import { createModel } from '@zoo/models';`),
  );
  writeFileSync(
    join(app, 'typed.cts'),
    typed(`import tf = require('@tensorflow/tfjs');
import { alexnet, ALEXNET_MODELS, type AlexNetConfig } from '@zoo/alexnet';
import { lenet } from '@zoo/lenet';
import { describeModel, type ModelDescription, type ModelInfo } from '@zoo/layers';
import { createModel } from '@zoo/models';`),
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['typed.mts', 'typed.cts'],
      },
      null,
      2,
    ),
  );
  run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
  console.log(`pack check (together) passed: ${packages.map((p) => `@zoo/${p}`).join(', ')} install from tarballs and work from import, require and TypeScript`);

  // ---- 2. @zoo/alexnet alone ----
  const alone = join(work, 'alone');
  mkdirSync(alone);
  writeFileSync(join(alone, 'package.json'), JSON.stringify({ name: 'zoo-alexnet-user', version: '1.0.0', private: true }, null, 2));
  const registry = await startRegistry(files);
  try {
    const alexnet = packedManifest(tarballOf('alexnet'));
    // What a user types once the packages are published: the name and a range, nothing local.
    const listing = execFileSync('tar', ['-tzf', tarballOf('alexnet')], { encoding: 'utf8' });
    if (!listing.includes('package/weights/alexnet-mini/manifest.json')) throw new Error('the @zoo/alexnet tarball lacks weights/alexnet-mini');
    await npmInstall([...npmQuiet, `--@zoo:registry=${registry.url}`, `@tensorflow/tfjs@${tfjsVersion}`, `@zoo/alexnet@^${alexnet.version}`], alone);
    const installed = readdirSync(join(alone, 'node_modules', '@zoo')).sort();
    // Its @zoo dependencies and theirs (@zoo/layers brings @zoo/analysis and @zoo/fs).
    const zooDeps = (m) => Object.keys(m.dependencies ?? {}).filter((d) => d.startsWith('@zoo/')).map((d) => d.slice('@zoo/'.length));
    const closure = new Set(['alexnet']);
    for (const name of closure) for (const dep of zooDeps(packedManifest(tarballOf(name)))) closure.add(dep);
    const expected = [...closure].sort();
    if (installed.join() !== expected.join()) {
      throw new Error(`@zoo/alexnet alone installed @zoo/{${installed.join(',')}}; its dependencies and theirs name @zoo/{${expected.join(',')}}`);
    }
    const asked = registry.requests.filter((p) => !p.startsWith('/-/'));
    console.log(`registry served: ${asked.join(', ')}`);
    if (asked.some((p) => p !== '/@zoo/alexnet' && !expected.some((d) => p === `/@zoo/${d}`))) {
      throw new Error(`npm asked the registry for packages @zoo/alexnet does not depend on: ${asked.join(', ')}`);
    }
  } finally {
    await registry.close();
  }
  writeFileSync(join(alone, 'readme-alexnet.mjs'), readmeExample('alexnet'));
  run(process.execPath, ['readme-alexnet.mjs'], alone, { echo: true });
  // The first 200 Fashion-MNIST test images (apps/web's fixture), to classify with the weights the tarball ships.
  const images = join(root, 'apps/web/test/fixtures/t10k-images-first200.idx3');
  const labels = join(root, 'apps/web/test/fixtures/t10k-labels-first200.idx1');
  writeFileSync(
    join(alone, 'use.mjs'),
    `import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alexnet } from '@zoo/alexnet';
import { loadPretrained } from '@zoo/alexnet/node';
import { loadModel, saveModel } from '@zoo/layers/node';
const assert = (ok, what) => { if (!ok) throw new Error('check failed: ' + what); };
await tf.setBackend('cpu');
const classic = alexnet({ variant: 'alexnet-classic', inputSize: 67, filters: [8, 8, 8, 8, 8], units: [8, 8], numClasses: 3, seed: 2 });
const dir = mkdtempSync(join(tmpdir(), 'zoo-alone-'));
await saveModel(classic, join(dir, 'm'));
const loaded = await loadModel(join(dir, 'm'));
const x = tf.randomUniform([1, 67, 67, 3], 0, 1, 'float32', 3);
assert(tf.equal(classic.predict(x), loaded.predict(x)).all().dataSync()[0] === 1, 'alexnet-classic round-trips');
rmSync(dir, { recursive: true, force: true });
classic.dispose();
loaded.dispose();
// The weights inside the installed tarball, read from disk with no URL.
const net = await loadPretrained('alexnet-mini');
const images = readFileSync(${JSON.stringify(images)}).subarray(16);
const labels = readFileSync(${JSON.stringify(labels)}).subarray(8);
let right = 0;
for (let i = 0; i < labels.length; i++) {
  const image = tf.tensor2d(images.subarray(i * 784, (i + 1) * 784), [28, 28], 'int32');
  const [top] = await net.classify(image, { topK: 1 });
  image.dispose();
  if (top.index === labels[i]) right++;
}
assert(right / labels.length >= 0.88, 'shipped alexnet-mini classifies at least 88% of 200 test images right, got ' + right);
console.log('alone: shipped alexnet-mini (test accuracy ' + net.weights.testAccuracy + ' in its manifest) classifies ' + right + ' of ' + labels.length + ' test images right');
console.log('alone ok');
`,
  );
  run(process.execPath, ['use.mjs'], alone, { echo: true });
  console.log('pack check (alone) passed: @zoo/alexnet installs by name with only its own dependencies and works, shipped weights included');
} finally {
  if (process.env.KEEP === '1') console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
