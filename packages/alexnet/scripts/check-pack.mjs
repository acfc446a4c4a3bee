#!/usr/bin/env node
// Proves that the published form of the zoo works outside this workspace: `pnpm pack` each library
// (which rewrites `workspace:*` to real versions), `npm install` the tarballs into a fresh project
// in a temp dir next to @tensorflow/tfjs, then run an ESM snippet, a CommonJS snippet, and `tsc` on
// TypeScript snippets for both module systems.
//
//   pnpm --filter @zoo/alexnet check:pack          (builds what it packs first, via turbo)
//   KEEP=1 pnpm --filter @zoo/alexnet check:pack   (leaves the temp project for inspection)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const packages = ['layers', 'lenet', 'alexnet', 'models'];
const tfjsVersion = createRequire(join(root, 'packages/alexnet/package.json'))('@tensorflow/tfjs/package.json').version;
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');

function run(cmd, args, cwd, { echo = false } = {}) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const out = execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (echo) process.stdout.write(out);
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'zoo-pack-check-'));
try {
  run('pnpm', ['turbo', 'run', 'build', ...packages.flatMap((p) => ['--filter', `@zoo/${p}`])], root);
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  for (const p of packages) run('pnpm', ['pack', '--pack-destination', tarballs], join(root, 'packages', p));
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  // Installing them together lets npm satisfy @zoo/alexnet's "@zoo/layers": "0.1.0" (pnpm's rewrite
  // of workspace:*) with the local tarball instead of looking for it on the registry.

  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'zoo-consumer', version: '1.0.0', private: true }, null, 2));
  // --prefer-offline: tfjs and its dependencies come from npm's cache when this machine has them.
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `@tensorflow/tfjs@${tfjsVersion}`, ...files], app);

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
  console.log(`pack check passed: ${packages.map((p) => `@zoo/${p}`).join(', ')} install from tarballs and work from import, require and TypeScript`);
} finally {
  if (process.env.KEEP === '1') console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
