// Each library README's Example runs as written, against the workspace's packages, in a fresh
// folder that sees only apps/web's node_modules. (check-pack.mjs runs those of the packed
// layers, lenet, alexnet and models from their tarballs as well.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
/** What each example must print (as Node's console.log formats it), beside exiting 0. */
const PRINTS: Record<string, string[]> = {
  backend: ['backend: wasm on CPU (1 thread)', '[ 3, 3, 1, 4 ]'],
  fs: ['{"accuracy":0.91} report.json'],
  analysis: ['conv1', 'predictions', 'ridge 10 FLOP/byte'],
  layers: ['conv1', 'norm1', 'Conv2D LocalResponseNormalization GroupedConv2D Flatten Dense'],
  lenet: ['61706', '[ 1, 10 ]'],
  alexnet: ['282202', '[ 2, 10 ]', '46764746 227', 'conv1 norm1 pool1'],
  models: ['alexnet-mini 28 282202', '[ 1, 10 ]'],
  datasets: ['SHA-256 verified', '469 [ 128, 56, 56, 1 ] [ 128, 10 ]', 'ankle boot'],
  trainer: ['epoch 4: loss'],
};
const LIBRARIES = Object.keys(PRINTS);
const DATA = process.env.ZOO_DATA_DIR ? join(process.env.ZOO_DATA_DIR, 'fashion-mnist') : '/usr/share/datasets/fashion-mnist';
const HAS_DATA = existsSync(join(DATA, 'train-images-idx3-ubyte.gz')) || existsSync(join(DATA, 'train-images-idx3-ubyte'));
if (!HAS_DATA) console.warn(`readme-examples: no Fashion-MNIST in ${DATA}; @zoo/datasets' example is skipped (apt-get install dataset-fashion-mnist)`);

function example(dir: string): string {
  const text = readFileSync(join(ROOT, 'packages', dir, 'README.md'), 'utf8');
  const block = text.split(/^## Example\s*$/m)[1]?.match(/```js\n([\s\S]*?)```/)?.[1];
  if (block === undefined) throw new Error(`packages/${dir}/README.md has no \`\`\`js block under '## Example'`);
  return block;
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'zoo-readme-'));
  symlinkSync(join(__dirname, '..', 'node_modules'), join(work, 'node_modules'), 'dir');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(LIBRARIES)("@zoo/%s's README example", (dir) => {
  const needsData = dir === 'datasets';
  (needsData && !HAS_DATA ? it.skip : it)('runs and prints what it says it prints', () => {
    const code = example(dir);
    const file = join(work, `${dir}.mjs`);
    writeFileSync(file, code);
    const run = spawnSync(process.execPath, [file], { cwd: work, encoding: 'utf8', timeout: 5 * 60_000 });
    if (run.status !== 0) throw new Error(`packages/${dir}/README.md's example exited with ${run.status ?? run.signal}:\n${run.stderr.slice(-3000)}`);
    for (const text of PRINTS[dir]) expect(run.stdout).toContain(text);
  });
});
