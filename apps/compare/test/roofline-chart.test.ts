import * as tf from '@tensorflow/tfjs';
import { describeModel, roofline } from '@zoo/analysis';
import { createModel } from '@zoo/models';
import { renderSvg, rooflineAxes, rooflineChart, rooflinePoints } from '../src/charts';
import type { NominalRoofs } from '../src/device-roofs';

const ROOFS: NominalRoofs = { device: 'test CPU', peakGflops: 200, bandwidthGbs: 20, peakSource: 'test', bandwidthSource: 'test', backendCeiling: { gflops: 50, why: 'test' } };

/** The points vega drew: each symbol's description (its data) and its place in the plot. */
function drawnPoints(svg: string): { model: string; batch: number; layer: string; x: number; y: number }[] {
  const marks = svg.slice(svg.indexOf('mark-symbol role-mark layer_1_marks'));
  const group = marks.slice(0, marks.indexOf('</g>'));
  return [...group.matchAll(/<path aria-label="([^"]*)"[^>]*transform="translate\(([-\d.]+),([-\d.]+)\)"/g)].map((m) => {
    const fields = Object.fromEntries(m[1].split('; ').map((kv) => kv.split(': ')));
    return { model: fields.model, batch: Number(fields.batch.replace('batch ', '')), layer: fields.layer, x: Number(m[2]), y: Number(m[3]) };
  });
}

describe('the roofline chart', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('draws every layer that computes, of both models at both batch sizes, where its intensity and the roofs put it', async () => {
    const device = { peakFlops: ROOFS.peakGflops * 1e9, memoryBandwidth: ROOFS.bandwidthGbs * 1e9 };
    const described = ['lenet5', 'alexnet-mini'].flatMap((name) => {
      const model = createModel(name, { inputSize: 28, inChannels: 1, numClasses: 10 });
      const out = [1, 64].map((batch) => ({ model: name, batch, roofline: roofline(describeModel(model, [batch, 28, 28, 1]), device) }));
      model.dispose();
      return out;
    });
    const points = rooflinePoints(described);
    const svg = await renderSvg(rooflineChart(points, ROOFS));
    const drawn = drawnPoints(svg);

    // One point per layer with FLOPs, per model and batch: no more, no fewer.
    const expected = described.flatMap((d) => d.roofline.layers.filter((l) => l.flops > 0).map((l) => ({ model: d.model, batch: d.batch, layer: l.name, l })));
    expect(expected.length).toBeGreaterThan(20);
    expect(drawn.map((p) => `${p.model}/${p.batch}/${p.layer}`).sort()).toEqual(expected.map((e) => `${e.model}/${e.batch}/${e.layer}`).sort());

    // Each at its place on the log-log axes: intensity across, attainable GFLOP/s up.
    const axes = rooflineAxes(points, ROOFS);
    const across = (v: number) => (axes.width * Math.log10(v / axes.x[0])) / Math.log10(axes.x[1] / axes.x[0]);
    const up = (v: number) => axes.height * (1 - Math.log10(v / axes.y[0]) / Math.log10(axes.y[1] / axes.y[0]));
    for (const e of expected) {
      const p = drawn.find((d) => d.model === e.model && d.batch === e.batch && d.layer === e.layer)!;
      const gflops = Math.min(ROOFS.peakGflops, e.l.arithmeticIntensity * ROOFS.bandwidthGbs);
      expect(p.x).toBeCloseTo(across(e.l.arithmeticIntensity), 1);
      expect(p.y).toBeCloseTo(up(gflops), 1);
    }
    // Batching raises a dense layer's intensity: its weights are read once for 64 images.
    const fc = (batch: number) => points.find((p) => p.model === 'alexnet-mini' && p.layer === 'fc1' && p.batch === batch)!.intensity;
    expect(fc(64)).toBeGreaterThan(10 * fc(1));

    // The roofs: the device's, and the backend's lower ceiling, said in the subtitle.
    expect(svg).toContain('ridge at 10.0 FLOP/byte');
    expect(svg).toContain('backend');
    expect(axes.x[0]).toBeLessThanOrEqual(Math.min(...points.map((p) => p.intensity)));
    expect(axes.x[1]).toBeGreaterThanOrEqual(Math.max(...points.map((p) => p.intensity)));
  });
});
