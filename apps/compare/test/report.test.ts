import { renderHtml } from '../src/report-html';
import { renderMarkdown } from '../src/report-md';
import { comparisonRows, COMPARISON_HEADER, finalOf, sweepRows } from '../src/report';
import { renderSvg, sweepChart } from '../src/charts';
import { CLASSES, fakeModel, fakeReport } from './fixtures';

describe('report', () => {
  const report = fakeReport([fakeModel('lenet5', 3), fakeModel('alexnet-mini', 3)]);

  it('takes the final numbers from the last epoch, and NaNs when there was none', () => {
    const m = report.models[0];
    const last = m.history[m.history.length - 1];
    expect(m.final).toEqual({ loss: last.loss, trainAcc: last.trainAcc, testAcc: last.testAcc, examplesPerSec: last.examplesPerSec });
    expect(Object.values(finalOf([])).every(Number.isNaN)).toBe(true);
  });

  it('has one comparison row per model with every column', () => {
    const rows = comparisonRows(report);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toHaveLength(COMPARISON_HEADER.length);
    expect(rows[0][0]).toBe('lenet5');
    expect(rows[0][COMPARISON_HEADER.indexOf('test acc')]).toBe(report.models[0].final.testAcc.toFixed(3));
  });

  it('marks runs that did not finish', () => {
    const interrupted = { ...fakeModel('alexnet', 1), status: 'interrupted' as const };
    expect(comparisonRows(fakeReport([interrupted]))[0][0]).toContain('interrupted');
  });

  it('labels a cost probe\'s accuracy as no result, in the table and the run description', () => {
    const probe = fakeModel('alexnet', 1);
    probe.spec = { ...probe.spec, limitTrain: 256, costProbe: true };
    const [row] = comparisonRows(fakeReport([probe]));
    expect(row[COMPARISON_HEADER.indexOf('test acc')]).toBe(`${probe.final.testAcc.toFixed(3)} (cost probe)`);
    const md = renderMarkdown(fakeReport([probe]));
    expect(md).toContain('(a cost probe: speed and memory, not accuracy)');
    expect(md).toContain('"cost probe" trained on a few hundred images only to measure speed and memory');
  });

  it("shows each epoch's learning rate in the history", () => {
    const md = renderMarkdown(report);
    expect(md).toMatch(/\| epoch \| loss \| train acc \| test acc \| examples\/s \| seconds \| lr \|/);
    expect(md).toMatch(/\| 1 \| [\d.]+ \|.* \| 0\.1 \|/);
  });

  it('renders markdown with the comparison, every epoch and the per-class accuracy', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('| model | input | params');
    for (const m of report.models) {
      expect(md).toContain(`### ${m.name}`);
      for (const h of m.history) expect(md).toContain(`| ${h.epoch} | ${h.loss.toFixed(3)} |`);
    }
    for (const name of CLASSES) expect(md).toContain(`| ${name} |`);
  });

  it('renders self-contained HTML: inline SVG charts, no scripts, no remote resources', async () => {
    const html = await renderHtml(report);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    // loss, accuracy, accuracy-and-cost, and one confusion matrix per model
    expect(html.match(/<svg /g)).toHaveLength(3 + report.models.length);
    expect(html).toContain('Training loss');
    expect(html).toContain('lenet5: test confusion matrix');
    for (const name of CLASSES) expect(html).toContain(name);
  });

  it('escapes what it did not write itself', async () => {
    const odd = fakeReport([fakeModel('lenet5', 1)]);
    odd.command = 'start --out "<b>&"';
    const html = await renderHtml(odd);
    expect(html).toContain('&lt;b&gt;&amp;');
    expect(html).not.toContain('<b>&');
  });

  it('tabulates and charts a sweep', async () => {
    const models = [32, 64, 128].map((b) => fakeModel(`alexnet-mini@bs${b}`, 1, { batchSize: b, evaluated: false }));
    const sweep = fakeReport(models);
    sweep.config.mode = 'sweep';
    sweep.sweep = { flag: 'batch-size', rows: sweepRows('batch-size', models) };
    expect(sweep.sweep.rows.map((r) => r.value)).toEqual([32, 64, 128]);
    const md = renderMarkdown(sweep);
    expect(md).toContain('Batch size sweep');
    const html = await renderHtml(sweep);
    expect(html).toContain('What batch size does to speed, accuracy and memory');
    expect(html.match(/<svg /g)).toHaveLength(4);
  });

  it('charts throughput, test accuracy and peak memory against batch size, one point per run each, and leaves out what a run never measured', async () => {
    const models = [32, 64, 128, 256].map((b, i) => {
      const m = fakeModel(`alexnet-mini@bs${b}`, 1, { batchSize: b, evaluated: false });
      m.history[0] = { ...m.history[0], examplesPerSec: 100 + 10 * i, testAcc: 0.6 - 0.1 * i };
      m.final = finalOf(m.history);
      m.peakMemoryBytes = b * 2 ** 20;
      return m;
    });
    // The last run failed before its first epoch: no speed or accuracy, but the memory it reached.
    models[3] = { ...models[3], history: [], final: finalOf([]), status: 'failed' };
    const sweep = fakeReport(models);
    sweep.sweep = { flag: 'batch-size', rows: sweepRows('batch-size', models) };
    const svg = await renderSvg(sweepChart(sweep)!);
    const panel = (i: number) => {
      const marks = svg.slice(svg.indexOf(`concat_${i}_layer_1_marks`));
      return [...marks.slice(0, marks.indexOf('</g>')).matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]);
    };
    expect(panel(0)).toEqual([32, 64, 128].map((b, i) => `batch size: ${b}; training examples/s: ${100 + 10 * i}; model: alexnet-mini`));
    expect(panel(1)).toEqual([32, 64, 128].map((b, i) => `batch size: ${b}; test accuracy: ${[0.6, 0.5, 0.4][i]}; model: alexnet-mini`));
    expect(panel(2)).toEqual([32, 64, 128, 256].map((b) => `batch size: ${b}; peak tensor memory (MiB): ${b}; model: alexnet-mini`));
    // report.md links the same chart, written beside it as sweep.svg.
    expect(renderMarkdown(sweep)).toContain('![What batch size does to speed, accuracy and memory](sweep.svg)');
  });
});
