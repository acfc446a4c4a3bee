/**
 * `compare classify` and the models every run saves, run as a user runs them (node dist/cli.js).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { fileIOHandler } from '@zoo/layers/node';
import { FASHION_MNIST_CLASSES } from '@zoo/datasets';
import { createModel, DEFAULT_NORMALIZATION } from '@zoo/models';
import { loadPretrained, saveTrainedModel } from '@zoo/models/node';

const APP = resolve(__dirname, '..');
const CLI = join(APP, 'dist', 'cli.js');
const DATA = process.env.ZOO_DATA_DIR ? join(process.env.ZOO_DATA_DIR, 'fashion-mnist') : '/usr/share/datasets/fashion-mnist';
const HAS_DATA = existsSync(join(DATA, 'train-images-idx3-ubyte.gz')) || existsSync(join(DATA, 'train-images-idx3-ubyte'));
if (!HAS_DATA) console.warn(`classify.test: Fashion-MNIST is not in ${DATA}; the training run is skipped (apt-get install dataset-fashion-mnist)`);
const withData = HAS_DATA ? it : it.skip;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], timeout = 120_000): Promise<Result> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: APP, timeout, env: { ...process.env, FORCE_COLOR: '0' } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1;
      done({ code, stdout, stderr });
    });
  });
}

/** Our own lines on stderr, without whatever TF.js printed. */
const errors = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('compare:'));

/** A 28x28 white-on-black "garment" (a filled rectangle), as RGBA. */
function garment(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x > width / 4 && x < (3 * width) / 4 && y > height / 8;
      rgba.set(inside ? [230, 220, 210, 255] : [0, 0, 0, 255], (y * width + x) * 4);
    }
  }
  return rgba;
}

let scratch: string;
let pngFile: string;
let jpegFile: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'compare-classify-'));
  const png = new PNG({ width: 56, height: 56 });
  png.data = Buffer.from(garment(56, 56));
  pngFile = join(scratch, 'shirt.png');
  writeFileSync(pngFile, PNG.sync.write(png));
  jpegFile = join(scratch, 'boot.jpg');
  writeFileSync(jpegFile, jpeg.encode({ width: 40, height: 30, data: Buffer.from(garment(40, 30)) }, 90).data);
  writeFileSync(join(scratch, 'notes.txt'), 'not an image');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A run folder as compare leaves it, with one saved (untrained) lenet5. */
async function fakeRun(name: string): Promise<string> {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  await tf.setBackend('cpu');
  const model = createModel('lenet5', { seed: 3 });
  await saveTrainedModel(model, join(dir, 'models', 'lenet5'), {
    model: 'lenet5',
    config: { seed: 3 },
    categories: [...FASHION_MNIST_CLASSES],
    input: { size: 28, channels: 1, layout: 'NHWC', normalization: DEFAULT_NORMALIZATION },
    dataset: 'fashion-mnist',
    testAccuracy: 0.1,
    testLoss: 2.3,
    testExamples: 10,
    recipe: { note: 'untrained, for the test' },
    command: 'jest',
    backend: 'cpu',
    trainSeconds: 0,
  });
  model.dispose();
  return dir;
}

/** `file: class p, class p, class p` with probabilities in [0, 1], falling. */
function expectTopK(line: string, file: string, k: number): void {
  expect(line.startsWith(`${file}: `)).toBe(true);
  const entries = line.slice(file.length + 2).split(', ');
  expect(entries).toHaveLength(k);
  const probabilities = entries.map((e) => {
    const match = /^(.+) (\d\.\d{3})$/.exec(e);
    expect(match).not.toBeNull();
    expect(FASHION_MNIST_CLASSES).toContain(match![1]);
    return Number(match![2]);
  });
  for (let i = 1; i < k; i++) expect(probabilities[i]).toBeLessThanOrEqual(probabilities[i - 1]);
}

describe('compare classify', () => {
  it("prints the top-k classes of PNG and JPEG files with a run's model", async () => {
    const runDir = await fakeRun('run-a');
    const r = await run(['classify', pngFile, jpegFile, '--run', runDir, '--top-k', '4']);
    expect(errors(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').filter((l) => l.includes(': '));
    expect(lines).toHaveLength(2);
    expectTopK(lines[0], pngFile, 4);
    expectTopK(lines[1], jpegFile, 4);
  }, 300_000);

  it('names each file it cannot classify in one line, classifies the rest, and exits 1', async () => {
    const runDir = await fakeRun('run-b');
    const missing = join(scratch, 'missing.png');
    const r = await run(['--', 'classify', missing, join(scratch, 'notes.txt'), scratch, pngFile, '--run', runDir]);
    expect(r.code).toBe(1);
    expect(errors(r.stderr)).toEqual([
      `compare: ${missing}: no such file`,
      `compare: ${join(scratch, 'notes.txt')}: not a PNG or JPEG image (expected the bytes of a .png or .jpg file)`,
      `compare: ${scratch}: is a directory, expected a PNG or JPEG file`,
    ]);
    expectTopK(r.stdout.trim().split('\n').filter((l) => l.startsWith(pngFile))[0], pngFile, 3);
  }, 300_000);

  it('rejects bad flags with one line and exit code 2', async () => {
    const runDir = await fakeRun('run-c');
    const cases: [string[], RegExp][] = [
      [['classify', pngFile], /classify: expected --model NAME \(lenet5, lenet5-relu, lenet5-dropout, alexnet-mini\) or --run DIR/],
      [['classify', pngFile, '--model', 'alexnet'], /--model: got "alexnet"; expected a model with shipped weights: .*alexnet-mini/],
      [['classify', pngFile, '--run', scratch], /--run: got ".*", which has no models\/ folder/],
      [['classify', pngFile, '--run', runDir, '--model', 'alexnet-mini'], /--model: got "alexnet-mini"; expected one of the run's models: lenet5/],
      [['classify', pngFile, '--model', 'lenet5', '--top-k', '0'], /classify: option '--top-k <n>' argument '0' is invalid/],
      [['classify', '--model', 'lenet5'], /classify: missing required argument 'images'/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    cases.forEach(([args, message], i) => {
      expect({ args, code: results[i].code }).toEqual({ args, code: 2 });
      expect(errors(results[i].stderr)).toHaveLength(1);
      expect(errors(results[i].stderr)[0]).toMatch(message);
    });
  }, 300_000);

  it('classifies with the shipped alexnet-mini weights', async () => {
    const r = await run(['classify', pngFile, '--model', 'alexnet-mini', '--top-k', '2']);
    expect(errors(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expectTopK(r.stdout.trim().split('\n').filter((l) => l.startsWith(pngFile))[0], pngFile, 2);
  }, 300_000);

  withData(
    'every run saves its model with a manifest from its own test evaluation, and the report links it',
    async () => {
      const out = join(scratch, 'trained');
      const r = await run(['--models', 'lenet5', '--limit-train', '256', '--limit-test', '128', '--epochs', '1', '--out', out], 200_000);
      expect(errors(r.stderr)).toEqual([]);
      expect(r.code).toBe(0);
      const dir = join(out, 'models', 'lenet5');
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      const [m] = report.models;
      const confusion: number[][] = m.evaluation.confusion;
      const correct = confusion.reduce((s, row, i) => s + row[i], 0);
      expect(manifest).toMatchObject({ format: 'zoo-weights', model: 'lenet5', testExamples: 128, dataset: 'fashion-mnist', input: { size: 28, channels: 1, layout: 'NHWC' } });
      expect(manifest.testAccuracy).toBeCloseTo(correct / 128, 10);
      expect(manifest.categories).toEqual([...FASHION_MNIST_CLASSES]);
      expect(m.savedModel).toEqual({ path: join('models', 'lenet5'), testAccuracy: manifest.testAccuracy, sha256: manifest.sha256, bytes: manifest.bytes });
      expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('[models/lenet5](models/lenet5/model.json)');
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<a href="models/lenet5/model.json">');

      // Plain TF.js opens it, and so does the zoo's verifying loader, with the same predictions.
      await tf.setBackend('cpu');
      const plain = await tf.loadLayersModel(fileIOHandler(dir));
      const zoo = await loadPretrained('lenet5', { weightsPath: dir });
      const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1);
      expect(Array.from((zoo.model.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((plain.predict(x) as tf.Tensor).dataSync()));
      expect(zoo.weights.sha256).toBe(manifest.sha256);

      const classified = await run(['classify', pngFile, '--run', out]);
      expect(classified.code).toBe(0);
      expectTopK(classified.stdout.trim().split('\n').filter((l) => l.startsWith(pngFile))[0], pngFile, 3);
    },
    300_000,
  );
});
