import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@zoo/backend';
import type { Split } from '@zoo/datasets';
import { convLayers, featureMaps, filterGrid } from '@zoo/analysis';
import { createModel, DEFAULT_NORMALIZATION, listModels, preprocess, type InputSpec, type ModelInfo } from '@zoo/models';
import { decodeImage, saveTrainedModel } from '@zoo/models/node';
import { renderHtml } from '../src/report-html';
import { renderMarkdown } from '../src/report-md';
import { firstOfEachClass, slug, writeReportViews, type ReportViews } from '../src/views';
import { CLASSES, fakeModel, fakeReport } from './fixtures';

// Labels chosen so that the first image of each class is not simply the first ten.
const LABELS = [3, 3, 0, 9, 1, 2, 0, 4, 5, 6, 7, 8, 9, 1];
const FIRST = [2, 4, 5, 0, 7, 8, 9, 10, 11, 3];

function fakeTest(): Split {
  const images = new Uint8Array(LABELS.length * 28 * 28);
  for (let i = 0; i < images.length; i++) images[i] = (i * 2654435761) >>> 24;
  return { images, labels: Uint8Array.from(LABELS), count: LABELS.length, height: 28, width: 28 };
}

async function decoded(runDir: string, path: string) {
  return decodeImage(new Uint8Array(await readFile(join(runDir, path))), path);
}

/** Saves a fresh model (by default at the variant's smallest input) as a run does, in `<runDir>/models/<name>`. */
async function saveAsRun(runDir: string, info: ModelInfo, size = info.minInputSize): Promise<{ model: tf.LayersModel; spec: InputSpec }> {
  const model = createModel(info.name, { inputSize: size, inChannels: 1, numClasses: CLASSES.length, seed: 5 });
  const spec: InputSpec = { size, channels: 1, layout: 'NHWC', normalization: DEFAULT_NORMALIZATION };
  await saveTrainedModel(model, join(runDir, 'models', info.name), {
    model: info.name,
    config: { inputSize: size, inChannels: 1, numClasses: CLASSES.length, seed: 5 },
    categories: CLASSES,
    input: spec,
    dataset: 'fashion-mnist',
    testAccuracy: 0.1,
    testLoss: 2.3,
    testExamples: LABELS.length,
    recipe: { optimizer: 'sgd', batchSize: 4, epochs: 1 },
    command: 'jest',
    backend: 'wasm',
    trainSeconds: 0,
  });
  return { model, spec };
}

const savedInfo = (name: string) => ({ path: `models/${name}`, testAccuracy: 0.1, sha256: '0'.repeat(64), bytes: 0 });

let runDir: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1 });
  runDir = await mkdtemp(join(tmpdir(), 'compare-views-'));
});
afterAll(() => rm(runDir, { recursive: true, force: true }));

describe('the test images the report shows', () => {
  it('are the first of each class in the test set, in class order', () => {
    expect(firstOfEachClass(Uint8Array.from(LABELS), 10).map((s) => s.index)).toEqual(FIRST);
    // A class with no image is left out rather than invented.
    expect(firstOfEachClass(Uint8Array.from([1, 1, 0]), 3)).toEqual([
      { label: 0, index: 2 },
      { label: 1, index: 0 },
    ]);
    expect(slug('T-shirt/top')).toBe('t-shirt-top');
    expect(slug('Ankle boot')).toBe('ankle-boot');
  });
});

describe.each(listModels())('pictures of $name, drawn from its saved model', (info) => {
  it("are its conv1 filters and every convolution's output for one test image per class, pixel for pixel", async () => {
    const test = fakeTest();
    const { model, spec } = await saveAsRun(runDir, info);
    let views: ReportViews | undefined;
    try {
      views = await writeReportViews(runDir, [{ name: info.name, model: info.name, savedModel: savedInfo(info.name) }], test, CLASSES);
      expect(views?.errors).toBeUndefined();
      expect(views!.samples.map((s) => [s.className, s.testIndex])).toEqual(CLASSES.map((c, i) => [c, FIRST[i]]));
      const v = views!.models[info.name];

      // The input image, as it is in the test set.
      const input = await decoded(runDir, views!.samples[0].input.path);
      expect([input.width, input.height]).toEqual([28, 28]);
      const first = test.images.subarray(FIRST[0] * 784, FIRST[0] * 784 + 784);
      expect(Array.from({ length: 784 }, (_, p) => input.data[p * 4])).toEqual(Array.from(first));

      const convs = convLayers(model);
      const expectedFilters = filterGrid(model, { layer: convs[0].name });
      expect(v.filters).toMatchObject({ layer: convs[0].name, count: convs[0].filters, width: expectedFilters.width, height: expectedFilters.height });
      const filters = await decoded(runDir, v.filters.path);
      expect(Buffer.from(filters.data).equals(Buffer.from(expectedFilters.data))).toBe(true);

      expect(v.maps).toHaveLength(CLASSES.length);
      for (const [i, sample] of views!.samples.entries()) {
        const x = preprocess(tf.tensor2d(test.images.subarray(sample.testIndex * 784, sample.testIndex * 784 + 784), [28, 28], 'int32'), spec);
        const expected = featureMaps(model, x);
        x.dispose();
        expect(v.maps[i].map((m) => m.layer)).toEqual(convs.map((c) => c.name));
        for (const [j, file] of v.maps[i].entries()) {
          expect(file.shape).toEqual(expected[j].shape);
          const png = await decoded(runDir, file.path);
          expect([png.width, png.height]).toEqual([expected[j].grid.width, expected[j].grid.height]);
          expect(Buffer.from(png.data).equals(Buffer.from(expected[j].grid.data))).toBe(true);
        }
      }
    } finally {
      model.dispose();
    }
  }, 120_000);
});

describe('the report', () => {
  it("shows each model's pictures by relative link in report.md and report.html, and says why one has none", async () => {
    const info = listModels().find((m) => m.name === 'lenet5')!;
    const { model } = await saveAsRun(runDir, info, 28);
    model.dispose();
    const report = fakeReport([fakeModel('lenet5', 1), fakeModel('alexnet-mini', 1)]);
    report.models[0].savedModel = savedInfo('lenet5');
    // alexnet-mini claims a saved model that is not there.
    report.models[1].savedModel = savedInfo('alexnet-mini-missing');
    report.views = await writeReportViews(runDir, report.models, fakeTest(), CLASSES);
    const v = report.views!.models.lenet5;
    expect(report.views!.errors?.['alexnet-mini']).toMatch(/alexnet-mini-missing/);

    const md = renderMarkdown(report);
    expect(md).toContain('## Inside the networks');
    expect(md).toContain(`![lenet5 conv1 filters](views/lenet5/filters-conv1.png)`);
    expect(md).toMatch(/\| class \| test image \| conv1 6x28x28 \| conv2 16x10x10 \|/);
    expect(md).toContain(`| t-shirt (#2) | ![t-shirt](views/inputs/2-t-shirt.png) | ![conv1 6x28x28](views/lenet5/2-conv1.png) | ![conv2 16x10x10](views/lenet5/2-conv2.png) |`);
    expect(md).toMatch(/### alexnet-mini\n\nNo pictures: .*alexnet-mini-missing/);

    const html = await renderHtml(report);
    expect(html).toContain('<h2>Inside the networks</h2>');
    expect(html).toContain(`<img src="views/lenet5/filters-conv1.png" alt="lenet5 conv1: 6 filters of 5x5x1" height="${v.filters.height * Math.floor(160 / v.filters.height)}">`);
    for (const sample of report.views!.samples) expect(html).toContain(`<img src="${sample.input.path}"`);
    expect(html.match(/<img src="views\/lenet5\/\d+-conv\d\.png"/g)).toHaveLength(2 * CLASSES.length);
    expect(html).not.toMatch(/(src|href)="https?:/i);
  });
});
