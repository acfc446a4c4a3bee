// The built playground (dist/, as `vite build` writes it for any static host) in real headless
// Chromium: it must load without errors, classify sample images as the shipped weights do in Node,
// classify a drawing, draw the filter grid and feature maps that @zoo/layers computes, and train
// both models in the page with a falling loss, stopping and resuming on request.
import * as tf from '@tensorflow/tfjs';
import { parseIdx } from '@zoo/datasets';
import { featureMaps, filterGrid } from '@zoo/analysis';
import type { Pretrained } from '@zoo/layers';
import { loadPretrained } from '@zoo/models/node';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { collectErrors, haveChromium, launchChromium } from 'web/chromium';
import { serveStatic, type StaticServer } from 'web/serve';
import { FEATURE_GRID, FILTER_GRID, MODELS } from '../src/models';
import type { PlaygroundHandle } from '../src/main';
import { tileOrigin } from '../src/views';

const DIST = join(__dirname, '..', 'dist');
const SAMPLE = join(__dirname, '..', 'public', 'sample');
/** Set to a path to save the page as the README's screenshot. */
const SCREENSHOT = process.env.PLAYGROUND_SCREENSHOT;

const describeInBrowser = haveChromium('playground browser tests') ? describe : describe.skip;

interface Pixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The RGBA pixels of the canvas `selector` matches (the `nth` one); sent as base64, which playwright moves far faster than an array of numbers. */
async function canvasPixels(page: Page, selector: string, nth = 0): Promise<Pixels> {
  const { width, height, base64 } = await page.evaluate(
    ([sel, n]) => {
      const canvas = document.querySelectorAll(sel)[n as number] as HTMLCanvasElement;
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
      const bytes = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { width: canvas.width, height: canvas.height, base64: btoa(binary) };
    },
    [selector, nth] as const,
  );
  return { width, height, data: new Uint8Array(Buffer.from(base64, 'base64')) };
}

/** Distinct grey levels of a picture: 1 is blank or uniform. */
const levels = (p: Pixels): number => new Set(p.data.filter((_, i) => i % 4 === 0)).size;

function compare(got: Pixels, want: { width: number; height: number; data: Uint8ClampedArray }): { maxDiff: number; meanDiff: number } {
  expect([got.width, got.height]).toEqual([want.width, want.height]);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(got.data[i] - want.data[i]);
    max = Math.max(max, d);
    sum += d;
  }
  return { maxDiff: max, meanDiff: sum / want.data.length };
}

/** Clicks sample image `i` on the page's sheet and waits until the views show it. */
async function pickSample(page: Page, i: number): Promise<void> {
  const sheet = page.locator('#sample-grid');
  await sheet.scrollIntoViewIfNeeded();
  const box = await sheet.boundingBox();
  if (box === null) throw new Error('#sample-grid is not visible');
  const k = box.width / (await sheet.evaluate((c) => (c as HTMLCanvasElement).width));
  const { x, y } = tileOrigin(i);
  await page.mouse.click(box.x + (x + 14) * k, box.y + (y + 14) * k);
  await page.waitForSelector(`body[data-shown="sample:${i}"]`);
}

describeInBrowser('the playground in headless Chromium', () => {
  let work: string;
  let server: StaticServer;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const inNode = new Map<string, Pretrained>();
  let images: Uint8Array;
  let labels: Uint8Array;
  let count: number;

  const handle = <T>(fn: (h: PlaygroundHandle) => T): Promise<T> =>
    page.evaluate(`(${fn.toString()})(window.playground)`) as Promise<T>;

  beforeAll(async () => {
    expect(existsSync(join(DIST, 'index.html'))).toBe(true);
    await tf.setBackend('cpu');
    for (const m of MODELS) inNode.set(m.name, await loadPretrained(m.name));
    const idx = parseIdx(readFileSync(join(SAMPLE, 'images.idx3')), 'images.idx3');
    images = idx.data;
    count = idx.shape[0];
    labels = parseIdx(readFileSync(join(SAMPLE, 'labels.idx1')), 'labels.idx1').data;

    work = mkdtempSync(join(tmpdir(), 'zoo-playground-'));
    // Under a sub-folder, as a static host such as GitHub Pages serves it: every URL must be relative.
    server = await serveStatic({ '/zoo/playground/': DIST });
    ({ context, page } = await launchChromium(join(work, 'profile'), { viewport: { width: 1200, height: 900 } }));
    collectErrors(page, errors);
    await page.goto(`${server.url}/zoo/playground/`);
    await page.waitForSelector('body[data-state="ready"], body[data-state="failed"]', { timeout: 90_000 });
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    for (const net of inNode.values()) net.model.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('loads without errors and says what it runs on and how fast each model classifies', async () => {
    expect(await page.locator('body').getAttribute('data-state')).toBe('ready');
    expect(errors).toEqual([]);
    const runtime = (await page.locator('#runtime').textContent()) ?? '';
    const info = await handle((h) => ({ backend: h.backend.name, models: h.models }));
    expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(info.backend);
    expect(runtime).toContain(`Running on ${info.backend}`);
    expect(runtime).toMatch(/ms per image alone/);
    expect(info.models.map((m) => m.name)).toEqual(MODELS.map((m) => m.name));
    for (const m of info.models) {
      expect(m.msSingle).toBeGreaterThan(0);
      const shipped = inNode.get(m.name) as Pretrained;
      // 500 fixed images: a fact about the shipped weights, within a few points of their test accuracy.
      expect(Math.abs(m.sampleAccuracy - shipped.weights.testAccuracy)).toBeLessThan(0.05);
    }
    console.log(`playground: ${runtime}`);
    // Every file came from under the sub-folder the site was served from.
    expect(server.requests.every((p) => p.startsWith('/zoo/playground/'))).toBe(true);
  });

  it('classifies known sample images as their true class with both shipped models', async () => {
    // In Node, the first image of each class that both models get right.
    const chosen: number[] = [];
    for (let c = 0; c < 10; c++) {
      for (let i = c; i < count; i += 10) {
        const image = tf.tensor2d(images.subarray(i * 784, (i + 1) * 784), [28, 28], 'int32');
        const answers = await Promise.all([...inNode.values()].map((net) => net.classify(image, { topK: 1 })));
        image.dispose();
        if (answers.every((a) => a[0].index === labels[i])) {
          chosen.push(i);
          break;
        }
      }
    }
    expect(chosen).toHaveLength(10);
    for (const i of chosen) {
      await pickSample(page, i);
      const cards = await page.locator('#answers .card').evaluateAll((els) => els.map((e) => ({ ...(e as HTMLElement).dataset })));
      expect(cards.map((c) => c.model)).toEqual(MODELS.map((m) => m.name));
      for (const card of cards) {
        expect(card.input).toBe(`sample:${i}`);
        expect(Number(card.top1)).toBe(labels[i]);
      }
    }
    expect(errors).toEqual([]);
  });

  it('classifies a drawing made with pointer events on the canvas', async () => {
    const pad = page.locator('#draw');
    await pad.scrollIntoViewIfNeeded();
    const box = await pad.boundingBox();
    if (box === null) throw new Error('#draw is not visible');
    // A pair of trousers: two legs from a waistband.
    const strokes = [
      [[0.3, 0.15], [0.7, 0.15]],
      [[0.32, 0.15], [0.3, 0.9]],
      [[0.68, 0.15], [0.7, 0.9]],
    ];
    for (const stroke of strokes) {
      await page.mouse.move(box.x + stroke[0][0] * box.width, box.y + stroke[0][1] * box.height);
      await page.mouse.down();
      for (let s = 1; s <= 10; s++) {
        const t = s / 10;
        await page.mouse.move(box.x + (stroke[0][0] + t * (stroke[1][0] - stroke[0][0])) * box.width, box.y + (stroke[0][1] + t * (stroke[1][1] - stroke[0][1])) * box.height);
      }
      await page.mouse.up();
    }
    await page.waitForSelector('body[data-shown^="drawing:"]');
    // The throttle may still owe one redraw after the last stroke; wait for the page to settle.
    await page.waitForTimeout(400);
    const drawn = await canvasPixels(page, '#draw');
    expect(levels(drawn)).toBeGreaterThan(1);
    const cards = await page.locator('#answers .card').evaluateAll((els) =>
      els.map((e) => ({ ...(e as HTMLElement).dataset, probabilities: Array.from(e.querySelectorAll('.p'), (p) => Number.parseFloat(p.textContent ?? '')) }) as Record<string, string | undefined> & { probabilities: number[] }),
    );
    expect(cards).toHaveLength(2);
    for (const card of cards) {
      expect(card.input).toBe('drawing');
      expect(Number(card.top1)).toBeGreaterThanOrEqual(0);
      expect(Number(card.top1)).toBeLessThan(10);
      expect(card.probabilities).toHaveLength(3);
      expect(card.probabilities[0]).toBeGreaterThanOrEqual(card.probabilities[1]);
      expect(card.probabilities.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100.2);
    }
    console.log(`playground: the drawn trousers are ${(await page.locator('#answers .verdict').textContent()) ?? ''}`);
    expect(errors).toEqual([]);
  });

  it('classifies an opened photo-like image file, inverting its light background to the data set\'s light-on-dark', async () => {
    // A sample image as a product photo looks: dark object on white, 4x larger, PNG made by the browser's own encoder.
    const i = 9; // an ankle boot
    const base64 = await page.evaluate(
      ([pixels]) => {
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 112;
        const small = document.createElement('canvas');
        small.width = small.height = 28;
        const rgba = new ImageData(28, 28);
        (pixels as number[]).forEach((v, p) => rgba.data.set([255 - v, 255 - v, 255 - v, 255], 4 * p));
        small.getContext('2d')?.putImageData(rgba, 0, 0);
        canvas.getContext('2d')?.drawImage(small, 0, 0, 112, 112);
        return canvas.toDataURL('image/png').split(',')[1];
      },
      [Array.from(images.subarray(i * 784, (i + 1) * 784))] as const,
    );
    const before = (await page.locator('body').getAttribute('data-shown')) ?? '';
    await page.setInputFiles('#file', { name: 'boot.png', mimeType: 'image/png', buffer: Buffer.from(base64, 'base64') });
    await page.waitForFunction((b) => document.body.dataset.shown !== b && document.body.dataset.shown?.startsWith('drawing:'), before);
    await page.waitForFunction(() => /boot\.png, inverted/.test(document.getElementById('input-note')?.textContent ?? ''));
    const cards = await page.locator('#answers .card').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.top1)));
    expect(cards).toEqual([labels[i], labels[i]]);
    expect(errors).toEqual([]);
  });

  it("draws each model's first-layer filters as filterGrid computes them, and every convolution's feature maps", async () => {
    const i = 3;
    await pickSample(page, i);
    for (const m of MODELS) {
      const net = inNode.get(m.name) as Pretrained;
      const filters = await canvasPixels(page, `[data-model="${m.name}"] canvas.filters`);
      expect(levels(filters)).toBeGreaterThan(10);
      // The same weights, the same function: identical pictures.
      expect(compare(filters, filterGrid(net.model, FILTER_GRID)).maxDiff).toBe(0);

      const image = tf.tensor2d(images.subarray(i * 784, (i + 1) * 784), [28, 28], 'int32');
      const x = net.preprocess(image);
      const want = featureMaps(net.model, x, FEATURE_GRID);
      tf.dispose([image, x]);
      const layers = await page.locator(`[data-model="${m.name}"] .maps canvas`).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.layer));
      expect(layers).toEqual(want.map((f) => f.layer));
      for (const [n, f] of want.entries()) {
        const got = await canvasPixels(page, `[data-model="${m.name}"] .maps canvas`, n);
        expect(levels(got)).toBeGreaterThan(10);
        // The browser's backend rounds differently from Node's cpu: near, not identical.
        const { meanDiff, maxDiff } = compare(got, f.grid);
        expect(meanDiff).toBeLessThan(1);
        expect(maxDiff).toBeLessThan(64);
      }
    }
    expect(errors).toEqual([]);
  });

  it('trains both models from scratch in the page, the loss falls, and Stop pauses until Resume', async () => {
    await page.fill('#epochs', '3');
    await page.click('#train-start');
    await page.waitForFunction(() => (window.playground?.training()?.runs ?? []).every((r) => r.batches.length >= 2));
    await page.click('#train-pause');
    await page.waitForSelector('#train-status[data-state="paused"]');
    const batches = () => handle((h) => h.training()?.runs.map((r) => r.batches.length) ?? []);
    // A batch already past its turn may still finish; once both loops wait at the pause, nothing moves.
    await page.waitForFunction(() => (window.playground?.training()?.runs ?? []).every((r) => r.state === 'paused'));
    const paused = await batches();
    await page.waitForTimeout(1000);
    expect(await batches()).toEqual(paused);
    await page.click('#train-resume');
    await page.waitForSelector('#train-status[data-state="done"], #train-status[data-state="failed"]', { timeout: 120_000 });
    expect(await page.locator('#train-status').getAttribute('data-state')).toBe('done');
    const rows = await page.locator('#train-table tr[data-model]').evaluateAll((els) => els.map((e) => ({ ...(e as HTMLElement).dataset }) as Record<string, string | undefined>));
    expect(rows.map((r) => r.model)).toEqual(MODELS.map((m) => m.name));
    for (const row of rows) {
      expect(row.epochs).toBe('3');
      expect(Number(row.lastLoss)).toBeLessThan(Number(row.firstLoss));
    }
    const speeds = await handle((h) => h.training()?.runs.map((r) => ({ name: r.name, imagesPerSec: r.imagesPerSec, epochs: r.epochs.map((e) => [e.loss, e.testAcc]) })));
    console.log(`playground: in-browser training ${JSON.stringify(speeds)}`);
    expect(errors).toEqual([]);
    if (SCREENSHOT !== undefined) {
      // An image the two shipped models disagree on: the page at its most telling.
      const predicted = [...inNode.values()].map((net) =>
        tf.tidy(() => (net.model.predict(net.preprocess(tf.tensor4d(Int32Array.from(images), [count, 28, 28, 1], 'int32'))) as tf.Tensor2D).argMax(1).arraySync() as number[]),
      );
      await pickSample(page, Math.max(0, predicted[0].findIndex((p, i) => p !== predicted[1][i])));
      await page.evaluate(() => window.scrollTo(0, 0));
      // The header and the Classify section: the README's picture, kept under 300 KB.
      const bottom = await page.locator('#classify').evaluate((e) => e.getBoundingClientRect().bottom);
      await page.screenshot({ path: SCREENSHOT, clip: { x: 0, y: 0, width: 1200, height: Math.ceil(bottom) + 12 } });
    }
  });
});
