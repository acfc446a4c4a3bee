import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Roofline } from '@zoo/analysis';
import type { NominalRoofs } from './device-roofs';
import type { SweepFlag } from './options';
import type { Report } from './report';
import { sweepLabel } from './report';

/** Renders a vega-lite spec to an SVG string in Node: no browser, no canvas, no scripts in the page. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const finite = (n: number) => Number.isFinite(n);

/** Legend in run order (a sweep's bs32, bs64, … rather than alphabetical bs128, bs256, bs32). */
function modelColor(report: Report) {
  return { field: 'model', type: 'nominal', title: 'model', scale: { domain: report.models.map((m) => m.name) } } as const;
}
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Training loss: running mean inside each epoch as a line, epoch ends as points (as D2L plots it). */
export function lossChart(report: Report): TopLevelSpec | undefined {
  const curve = report.models.flatMap((m) => m.curve.filter((p) => finite(p.loss)).map((p) => ({ model: m.name, epoch: p.epoch, loss: p.loss })));
  const ends = report.models.flatMap((m) => m.history.filter((h) => finite(h.loss)).map((h) => ({ model: m.name, epoch: h.epoch, loss: h.loss })));
  if (curve.length + ends.length === 0) return undefined;
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch', scale: { domainMin: 0 } } as const;
  const y = { field: 'loss', type: 'quantitative', title: 'training loss', scale: { zero: false } } as const;
  const color = modelColor(report);
  return {
    $schema: SCHEMA,
    title: 'Training loss',
    width: 420,
    height: 240,
    config: { legend: { orient: 'bottom', direction: 'horizontal', columns: 4 } },
    layer: [
      { data: { values: curve }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color } },
      { data: { values: ends }, mark: { type: 'point', filled: true, size: 50 }, encoding: { x, y, color } },
    ],
  };
}

/** Train accuracy (running, solid) and test accuracy (after each epoch, dashed with points). */
export function accuracyChart(report: Report): TopLevelSpec | undefined {
  const train = report.models.flatMap((m) =>
    m.curve.filter((p) => finite(p.acc)).map((p) => ({ model: m.name, epoch: p.epoch, accuracy: p.acc, series: 'train' })),
  );
  const test = report.models.flatMap((m) =>
    m.history.filter((h) => finite(h.testAcc)).map((h) => ({ model: m.name, epoch: h.epoch, accuracy: h.testAcc, series: 'test' })),
  );
  if (train.length + test.length === 0) return undefined;
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch', scale: { domainMin: 0 } } as const;
  const y = { field: 'accuracy', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1] as number[] } } as const;
  const color = modelColor(report);
  const strokeDash = { field: 'series', type: 'nominal', title: 'data', scale: { domain: ['train', 'test'], range: [[1, 0], [5, 3]] } } as const;
  return {
    $schema: SCHEMA,
    title: { text: 'Accuracy', subtitle: 'train: running mean over the epoch; test: after each epoch' },
    width: 420,
    height: 240,
    config: { legend: { orient: 'bottom', direction: 'horizontal', columns: 4 } },
    layer: [
      { data: { values: train }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color, strokeDash } },
      { data: { values: test }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color, strokeDash } },
      { data: { values: test }, mark: { type: 'point', filled: true, size: 50 }, encoding: { x, y, color } },
    ],
  };
}

export function confusionChart(name: string, classNames: readonly string[], confusion: readonly (readonly number[])[]): TopLevelSpec {
  const cells = confusion.flatMap((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, p) => ({ actual: classNames[t] ?? String(t), predicted: classNames[p] ?? String(p), count, share: total > 0 ? count / total : 0 }));
  });
  const order = classNames.length > 0 ? [...classNames] : confusion.map((_, i) => String(i));
  return {
    $schema: SCHEMA,
    title: `${name}: test confusion matrix`,
    width: 250,
    height: 250,
    data: { values: cells },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', sort: order, title: 'predicted', axis: { labelAngle: -45 } },
      y: { field: 'actual', type: 'ordinal', sort: order, title: 'true class' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'share', type: 'quantitative', title: 'share of true class', scale: { domain: [0, 1], range: ['#ffffff', '#08519c'], interpolate: 'rgb' } },
        },
      },
      {
        mark: { type: 'text', fontSize: 8 },
        // Zeros would only be noise on a matrix that is mostly zeros.
        transform: [{ filter: 'datum.count > 0' }],
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

/** Accuracy against cost per model: what the comparison table says, at a glance. */
export function costChart(report: Report): TopLevelSpec | undefined {
  const rows = report.models
    .filter((m) => finite(m.final.testAcc) && finite(m.final.examplesPerSec) && finite(m.params))
    .map((m) => ({ model: m.name, testAcc: m.final.testAcc, examplesPerSec: m.final.examplesPerSec, params: m.params }));
  if (rows.length === 0) return undefined;
  const y = { field: 'model', type: 'nominal', title: null, sort: null } as const;
  const color = { ...modelColor(report), legend: null } as const;
  // Throughput and size span orders of magnitude, so they get log axes, where bars have no baseline:
  // dots with their value written beside them instead.
  const dots = (field: string, title: string, format: string) => ({
    width: 220,
    height: { step: 24 },
    encoding: { y, x: { field, type: 'quantitative', title, scale: { type: 'log', nice: true }, axis: { tickCount: 4, format } } },
    layer: [
      { mark: { type: 'point', filled: true, size: 80 }, encoding: { color } },
      { mark: { type: 'text', align: 'left', dx: 7, fontSize: 10 }, encoding: { text: { field, type: 'quantitative', format } } },
    ],
  });
  return {
    $schema: SCHEMA,
    title: 'Accuracy and cost',
    data: { values: rows },
    hconcat: [
      {
        width: 220,
        height: { step: 24 },
        mark: { type: 'bar' },
        encoding: { y, x: { field: 'testAcc', type: 'quantitative', title: 'test accuracy', scale: { domain: [0, 1] } }, color },
      },
      // Three significant digits, no SI prefixes: 0.3 examples/s must not read as "300m".
      dots('examplesPerSec', 'training examples/s (log)', ',.3~r'),
      dots('params', 'parameters (log)', '.3~s'),
    ],
  } as TopLevelSpec;
}

/** The sweep chart's file in the run folder, beside report.md, which links it (report.html has it inline). */
export const SWEEP_SVG = 'sweep.svg';

export function sweepChartTitle(flag: SweepFlag): string {
  return `What ${sweepLabel(flag)} does to speed, accuracy and memory`;
}

/** Throughput, test accuracy and peak memory against the swept value, one panel each, a line per model. */
export function sweepChart(report: Report): TopLevelSpec | undefined {
  if (!report.sweep || report.sweep.rows.length === 0) return undefined;
  const label = sweepLabel(report.sweep.flag);
  const values = report.sweep.rows.map((r) => ({ ...r, peakMemoryMiB: r.peakMemoryBytes / 2 ** 20 }));
  // A run that failed or was interrupted before its first epoch has no throughput or accuracy: it is
  // left out of those panels rather than drawn at 0.
  const panel = (field: string, title: string, domain?: [number, number]) => ({
    width: 220,
    height: 200,
    transform: [{ filter: `isFinite(datum['${field}']) && datum['${field}'] > 0` }],
    mark: { type: 'line', point: { filled: true, size: 50 } },
    encoding: {
      x: { field: 'value', type: 'ordinal', title: label, sort: 'ascending', axis: { labelAngle: 0 } },
      y: { field, type: 'quantitative', title, ...(domain ? { scale: { domain } } : {}) },
      color: { field: 'model', type: 'nominal', title: 'model' },
    },
  });
  return {
    $schema: SCHEMA,
    title: sweepChartTitle(report.sweep.flag),
    data: { values },
    hconcat: [panel('examplesPerSec', 'training examples/s'), panel('testAcc', 'test accuracy', [0, 1]), panel('peakMemoryMiB', 'peak tensor memory (MiB)')],
  } as TopLevelSpec;
}

/** One layer on the roofline chart: where it sits at one batch size. */
export interface RooflinePoint {
  model: string;
  layer: string;
  batch: number;
  /** FLOP per byte of minimum traffic. */
  intensity: number;
  /** What the roofline allows it, GFLOP/s: min(peak, intensity x bandwidth). */
  gflops: number;
  bound: 'compute' | 'memory';
}

/** Every layer that does arithmetic, of each model at each batch described (layers without FLOPs have no intensity). */
export function rooflinePoints(described: readonly { model: string; batch: number; roofline: Roofline }[]): RooflinePoint[] {
  return described.flatMap(({ model, batch, roofline: r }) =>
    r.layers.flatMap((l) => (l.bound === 'none' ? [] : [{ model, layer: l.name, batch, intensity: l.arithmeticIntensity, gflops: l.attainableFlops / 1e9, bound: l.bound }])),
  );
}

/** The whole decades that hold every positive value. */
function decades(values: readonly number[]): [number, number] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  return [10 ** Math.floor(Math.log10(Math.min(...positive))), 10 ** Math.ceil(Math.log10(Math.max(...positive)))];
}

/** The chart's axes: whole decades, fixed here rather than left to vega, so a point's place can be checked. */
export interface RooflineAxes {
  width: number;
  height: number;
  x: [number, number];
  y: [number, number];
}

export function rooflineAxes(points: readonly RooflinePoint[], roofs: Pick<NominalRoofs, 'peakGflops' | 'bandwidthGbs'>): RooflineAxes {
  const ridge = roofs.peakGflops / roofs.bandwidthGbs;
  const x = decades([...points.map((p) => p.intensity), ridge / 10, ridge * 10]);
  const y = decades([...points.map((p) => p.gflops), roofs.bandwidthGbs * x[0], roofs.peakGflops * 2]);
  return { width: 520, height: 340, x, y };
}

/**
 * The roofline (log-log): the memory roof (bandwidth x intensity) up to the ridge point, the compute
 * roof after it, the backend's lower ceiling where it has one, and each layer of each model as a point
 * at its arithmetic intensity and the throughput the roofs allow it; circles at batch 1, squares at
 * the training batch, so the move to the right that batching buys shows.
 */
export function rooflineChart(points: readonly RooflinePoint[], roofs: NominalRoofs): TopLevelSpec {
  const axes = rooflineAxes(points, roofs);
  const ridge = roofs.peakGflops / roofs.bandwidthGbs;
  const [x0, x1] = axes.x;
  const roof = [
    { intensity: x0, gflops: roofs.bandwidthGbs * x0, roof: 'device' },
    { intensity: ridge, gflops: roofs.peakGflops, roof: 'device' },
    { intensity: x1, gflops: roofs.peakGflops, roof: 'device' },
  ];
  const ceiling = roofs.backendCeiling;
  if (ceiling) {
    roof.push({ intensity: ceiling.gflops / roofs.bandwidthGbs, gflops: ceiling.gflops, roof: 'backend' }, { intensity: x1, gflops: ceiling.gflops, roof: 'backend' });
  }
  const x = { field: 'intensity', type: 'quantitative', title: 'arithmetic intensity (FLOP/byte, log)', scale: { type: 'log', domain: axes.x, nice: false } } as const;
  const y = { field: 'gflops', type: 'quantitative', title: 'attainable GFLOP/s (log)', scale: { type: 'log', domain: axes.y, nice: false } } as const;
  const batches = [...new Set(points.map((p) => p.batch))].sort((a, b) => a - b);
  return {
    $schema: SCHEMA,
    title: { text: 'Roofline', subtitle: `${roofs.device}: ${roofs.peakGflops.toFixed(1)} GFLOP/s, ${roofs.bandwidthGbs.toFixed(1)} GB/s, ridge at ${ridge.toFixed(1)} FLOP/byte` },
    width: axes.width,
    height: axes.height,
    config: { legend: { orient: 'bottom', direction: 'horizontal' } },
    layer: [
      {
        data: { values: roof },
        mark: { type: 'line', color: '#555', clip: true },
        encoding: { x, y, strokeDash: { field: 'roof', type: 'nominal', title: 'roof', scale: { domain: ['device', 'backend'], range: [[1, 0], [4, 3]] } } },
      },
      {
        data: { values: points.map((p) => ({ ...p, at: `batch ${p.batch}` })) },
        mark: { type: 'point', filled: true, size: 60, opacity: 0.85 },
        encoding: {
          x,
          y,
          color: { field: 'model', type: 'nominal', title: 'model', scale: { domain: [...new Set(points.map((p) => p.model))] } },
          shape: { field: 'at', type: 'nominal', title: 'batch', scale: { domain: batches.map((b) => `batch ${b}`), range: ['circle', 'square', 'triangle-up', 'diamond'] } },
          tooltip: [{ field: 'model' }, { field: 'layer' }, { field: 'batch' }, { field: 'intensity', format: '.3~r' }, { field: 'gflops', format: '.3~r' }, { field: 'bound' }],
        },
      },
    ],
  } as TopLevelSpec;
}
