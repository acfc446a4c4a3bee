// End to end in a real browser: the page, bundled by esbuild for the browser, loads models by URL
// from a local static server and classifies real Fashion-MNIST test images in headless Chromium
// (Debian's, driven by playwright-core). Its answers must match Node's on the same images.
import * as tf from '@tensorflow/tfjs';
import { alexnet } from '@zoo/alexnet';
import { parseIdx } from '@zoo/datasets';
import { saveModel } from '@zoo/layers/node';
import { createModel } from '@zoo/models';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildPage } from '../src/build';
import type { ClassifyRequest, ClassifyResult } from '../src/page';
import { serveStatic, type StaticServer } from '../src/serve';

const CHROMIUM = process.env.ZOO_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];
const FIXTURES = join(__dirname, 'fixtures');
const IMAGES = 't10k-images-first32.idx3';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing; CI installs Debian's chromium for the browser tests`);
  console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set ZOO_CHROMIUM)`);
}
const describeInBrowser = haveChromium ? describe : describe.skip;

/** Node's answer for the same images: pixels / 255, resized bilinearly to the model's input, on cpu. */
function nodeProbabilities(model: tf.LayersModel, images: Uint8Array, count: number, size: number): number[][] {
  return tf.tidy(() => {
    const [, height, width] = model.inputs[0].shape as number[];
    const x = tf.tensor4d(Float32Array.from(images, (v) => v / 255), [count, size, size, 1]);
    const sized = height === size && width === size ? x : tf.image.resizeBilinear(x, [height, width]);
    return (model.predict(sized) as tf.Tensor2D).arraySync();
  });
}

const argmax = (row: number[]): number => row.indexOf(Math.max(...row));

describeInBrowser('the page in headless Chromium', () => {
  let work: string;
  let server: StaticServer;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const expected = new Map<string, number[][]>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    work = mkdtempSync(join(tmpdir(), 'zoo-web-'));
    await buildPage(join(work, 'site'));

    // Models made and saved here, in TF.js's format, as a run or a user would: a seeded alexnet-mini,
    // and a small alexnet-classic whose LRN and grouped convolutions only load where the zoo's layers
    // are registered.
    const { data, shape } = parseIdx(readFileSync(join(FIXTURES, IMAGES)), IMAGES);
    const [count, size] = shape;
    const models: Record<string, tf.LayersModel> = {
      'alexnet-mini': createModel('alexnet-mini', { seed: 11 }),
      'alexnet-classic-small': alexnet({ variant: 'alexnet-classic', inputSize: 67, inChannels: 1, filters: [8, 8, 8, 8, 8], units: [8, 8], numClasses: 3, seed: 2 }),
    };
    for (const [name, model] of Object.entries(models)) {
      await saveModel(model, join(work, 'models', name));
      expected.set(name, nodeProbabilities(model, data, count, size));
      model.dispose();
    }

    server = await serveStatic({ '/': join(work, 'site'), '/models/': join(work, 'models'), '/images/': FIXTURES });
    context = await chromium.launchPersistentContext(join(work, 'profile'), { executablePath: CHROMIUM, headless: true, args: ARGS });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => typeof (window as unknown as { zoo?: unknown }).zoo === 'object');
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const run = (request: ClassifyRequest): Promise<ClassifyResult> =>
    page.evaluate((r) => (window as unknown as { zoo: { classify(r: ClassifyRequest): Promise<ClassifyResult> } }).zoo.classify(r), request);

  it('loads saved models by URL, custom layers included, and classifies as Node does', async () => {
    const result = await run({
      wasmPaths: '/wasm/',
      models: [...expected.keys()].map((name) => ({ name, url: `${server.url}/models/${name}` })),
      images: `${server.url}/images/${IMAGES}`,
    });
    console.log(`browser test: ${result.backendLine} (TF.js ${result.tfjsVersion})`);
    expect(pageErrors).toEqual([]);
    expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(result.backend);
    expect(result.models.map((m) => m.name)).toEqual([...expected.keys()]);
    for (const answer of result.models) {
      const want = expected.get(answer.name) as number[][];
      expect(answer.probabilities).toHaveLength(want.length);
      answer.probabilities.forEach((row, i) => {
        expect(argmax(row)).toBe(argmax(want[i]));
        row.forEach((p, k) => expect(Math.abs(p - want[i][k])).toBeLessThan(1e-4));
      });
    }
    // The weights came over HTTP from the server, not from anywhere else.
    for (const name of expected.keys()) {
      expect(server.requests).toContain(`/models/${name}/model.json`);
      expect(server.requests.some((p) => p.startsWith(`/models/${name}/weights.`) && p.endsWith('.bin'))).toBe(true);
    }
  });

  it('runs on wasm when asked, with the page cross-origin isolated so wasm may use threads', async () => {
    const result = await run({
      backend: 'wasm',
      wasmPaths: '/wasm/',
      models: [{ name: 'alexnet-mini', url: `${server.url}/models/alexnet-mini` }],
      images: `${server.url}/images/${IMAGES}`,
    });
    expect(result.backend).toBe('wasm');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const want = expected.get('alexnet-mini') as number[][];
    result.models[0].probabilities.forEach((row, i) => expect(argmax(row)).toBe(argmax(want[i])));
  });
});
