import Table from 'cli-table3';
import type { ModelDescription, Roofline } from '@zoo/analysis';
import type { NominalRoofs } from './device-roofs';
import { formatBytes, formatCount, formatFlops } from './format';

/** `[1, 54, 54, 96]` (TF's NHWC) as D2L prints it: channels first, batch dropped: `96x54x54`. */
export function chwShape(shape: readonly number[]): string {
  const dims = shape.slice(1);
  if (dims.length === 3) return `${dims[2]}x${dims[0]}x${dims[1]}`;
  return dims.join('x');
}

type Kind = 'conv' | 'dense' | 'other';
function kindOf(className: string): Kind {
  if (/Conv/.test(className)) return 'conv';
  if (className === 'Dense') return 'dense';
  return 'other';
}

const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');

function sumBy<T>(items: readonly T[], value: (t: T) => number, keep: (t: T) => boolean = () => true): number {
  return items.filter(keep).reduce((s, t) => s + value(t), 0);
}

export interface SummaryInput {
  name: string;
  inputSize: number;
  /** The model described at batch 1. */
  single: ModelDescription;
  singleRoofline: Roofline;
  /** The same model at a training batch size, to show what batching does to arithmetic intensity. */
  batch: number;
  batched: ModelDescription;
  batchedRoofline: Roofline;
  roofs: NominalRoofs;
}

/** The chapter's layer-by-layer table plus a roofline reading of it, as terminal text. */
export function renderSummary(s: SummaryInput): string {
  const lines: string[] = [];
  const { single, singleRoofline: r1, batchedRoofline: rb, batch } = s;
  lines.push(`${s.name} on a 1x${s.inputSize}x${s.inputSize} image (shapes channels-first, as D2L prints them)`);
  const table = new Table({
    head: ['layer', 'type', 'output', 'params', 'FLOPs', 'weights', 'activations', 'FLOP/B @1', 'bound @1', `FLOP/B @${batch}`, `bound @${batch}`],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'right', 'left'],
    style: { head: [], border: [], compact: true },
  });
  single.layers.forEach((layer, i) => {
    const a = r1.layers[i];
    const b = rb.layers[i];
    table.push([
      layer.name,
      layer.className,
      chwShape(layer.outputShape),
      layer.params.toLocaleString('en-US'),
      formatCount(layer.flops),
      formatBytes(layer.weightBytes),
      formatBytes(layer.activationBytes),
      a.bound === 'none' ? '-' : a.arithmeticIntensity.toFixed(1),
      a.bound === 'none' ? '' : a.bound,
      b.bound === 'none' ? '-' : b.arithmeticIntensity.toFixed(1),
      b.bound === 'none' ? '' : b.bound,
    ]);
  });
  const t = single.totals;
  table.push(['total', '', '', t.params.toLocaleString('en-US'), formatCount(t.flops), formatBytes(t.weightBytes), formatBytes(t.activationBytes), '', '', '', '']);
  lines.push(table.toString(), '');

  const layers = single.layers;
  const byWeight = [...layers].sort((a, b) => b.weightBytes - a.weightBytes);
  const byFlops = [...layers].sort((a, b) => b.flops - a.flops);
  const denseWeights = sumBy(layers, (l) => l.weightBytes, (l) => kindOf(l.className) === 'dense');
  const convWeights = sumBy(layers, (l) => l.weightBytes, (l) => kindOf(l.className) === 'conv');
  const denseFlops = sumBy(layers, (l) => l.flops, (l) => kindOf(l.className) === 'dense');
  const convFlops = sumBy(layers, (l) => l.flops, (l) => kindOf(l.className) === 'conv');
  const top = (list: typeof layers, key: 'weightBytes' | 'flops', whole: number) =>
    list
      .slice(0, 3)
      .filter((l) => l[key] > 0)
      .map((l) => `${l.name} ${key === 'flops' ? formatCount(l.flops) : formatBytes(l.weightBytes)} (${pct(l[key], whole)})`)
      .join(', ');

  lines.push('Memory');
  lines.push(
    `  weights: ${formatBytes(t.weightBytes)} in fp32; dense layers hold ${pct(denseWeights, t.weightBytes)}, convolutions ${pct(convWeights, t.weightBytes)}. ` +
      `Largest: ${top(byWeight, 'weightBytes', t.weightBytes)}.`,
  );
  lines.push(
    `  activations: ${formatBytes(t.activationBytes)} per image, so about ${formatBytes(s.batched.totals.activationBytes)} kept for the backward pass at batch ${batch}; ` +
      `training also holds a gradient per weight (${formatBytes(t.weightBytes)}) and any optimizer state.`,
  );
  lines.push('Compute');
  lines.push(
    `  ${formatFlops(t.flops)} per image forward (about 3x that to train); convolutions do ${pct(convFlops, t.flops)}, dense layers ${pct(denseFlops, t.flops)}. ` +
      `Largest: ${top(byFlops, 'flops', t.flops)}.`,
  );
  lines.push('Roofline');
  lines.push(`  device: ${s.roofs.device}`);
  lines.push(`  peak compute ${s.roofs.peakGflops.toFixed(1)} GFLOP/s (${s.roofs.peakSource})`);
  lines.push(`  bandwidth ${s.roofs.bandwidthGbs.toFixed(1)} GB/s (${s.roofs.bandwidthSource})`);
  if (s.roofs.backendCeiling) {
    lines.push(`  (this backend can issue at most ${s.roofs.backendCeiling.gflops.toFixed(1)} GFLOP/s of that: ${s.roofs.backendCeiling.why})`);
  }
  lines.push(`  ridge point ${r1.ridgePoint.toFixed(1)} FLOP/byte: layers below it wait on memory, layers above it on arithmetic.`);
  lines.push(describeBounds(1, r1, layers), describeBounds(batch, rb, s.batched.layers));
  lines.push(
    `  so at batch 1 the best case is ${(r1.totals.seconds * 1000).toFixed(2)} ms per image forward, ${pct(r1.totals.memoryBoundTimeShare, 1)} of it in memory-bound layers; ` +
      `at batch ${batch}, ${((rb.totals.seconds * 1000) / batch).toFixed(3)} ms per image, ${pct(rb.totals.memoryBoundTimeShare, 1)} memory-bound.`,
  );
  lines.push('  (Weights and activations are counted as read or written once, nothing kept in cache: a lower bound on traffic.)');
  return lines.join('\n');
}

function describeBounds(batch: number, roof: Roofline, layers: ModelDescription['layers']): string {
  const counted = roof.layers.filter((l) => l.bound !== 'none');
  const group = (kind: Kind) => counted.filter((l) => kindOf(layers.find((x) => x.name === l.name)?.className ?? '') === kind);
  const range = (list: typeof counted) => {
    if (list.length === 0) return '';
    const values = list.map((l) => l.arithmeticIntensity);
    const lo = Math.min(...values).toFixed(1);
    const hi = Math.max(...values).toFixed(1);
    const bounds = [...new Set(list.map((l) => l.bound))].join('/');
    return `${lo === hi ? lo : `${lo}-${hi}`} FLOP/byte, ${bounds}-bound`;
  };
  const parts = [
    group('conv').length ? `convolutions ${range(group('conv'))}` : '',
    group('dense').length ? `dense ${range(group('dense'))}` : '',
  ].filter(Boolean);
  return `  at batch ${batch}: ${parts.join('; ')}.`;
}
