import type { BenchResult, ComparisonRow } from './types';

/**
 * One row per zoo measurement, beside PyTorch at the same thread count (the fair peer: both sides
 * get the same cores) and TF.js's pure-JS `cpu` backend (the floor the wasm work is judged against).
 */
export function compare(results: readonly BenchResult[]): ComparisonRow[] {
  const zoo = results.filter((r) => r.framework === 'zoo');
  const torch = results.filter((r) => r.framework === 'pytorch');
  // Grouped by model and mode, in the order they ran, so each model's backends sit together.
  const models = [...new Set(zoo.map((r) => r.model))];
  const order = (r: BenchResult): number => models.indexOf(r.model) * 2 + (r.mode === 'train' ? 0 : 1);
  const sorted = zoo.map((r, i) => ({ r, i })).sort((a, b) => order(a.r) - order(b.r) || a.i - b.i).map(({ r }) => r);
  return sorted.map((r) => {
    const peer = torch.find((p) => p.model === r.model && p.mode === r.mode && p.threads === r.threads && p.batch === r.batch);
    const cpu = zoo.find((c) => c.backend === 'cpu' && c.replicas === 1 && c.model === r.model && c.mode === r.mode && c.batch === r.batch);
    const row: ComparisonRow = {
      backend: r.backend,
      model: r.model,
      mode: r.mode,
      batch: r.batch,
      inputSize: r.inputSize,
      threads: r.threads,
      replicas: r.replicas,
      imagesPerSecond: r.imagesPerSecond,
      estimated: r.estimated,
    };
    if (peer) {
      row.pytorchImagesPerSecond = peer.imagesPerSecond;
      row.ratioToPytorch = r.imagesPerSecond / peer.imagesPerSecond;
      row.cpuTimeRatioToPytorch = r.imagesPerCpuSecond / peer.imagesPerCpuSecond;
    }
    const peers = torch.filter((p) => p.model === r.model && p.mode === r.mode && p.batch === r.batch);
    if (peers.length > 0) {
      row.bestPytorchImagesPerSecond = Math.max(...peers.map((p) => p.imagesPerSecond));
      row.ratioToBestPytorch = r.imagesPerSecond / row.bestPytorchImagesPerSecond;
    }
    if (cpu && cpu !== r) {
      row.ratioToCpu = r.imagesPerSecond / cpu.imagesPerSecond;
      if (cpu.estimated) row.cpuEstimated = true;
    }
    return row;
  });
}

/** Three significant figures, without exponent notation for the sizes seen here. */
export function formatRate(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** `wasm`, `wasm (2 threads)`, `wasm (2 replicas)`: how a row used its cores. */
export function backendLabel(row: Pick<ComparisonRow, 'backend' | 'threads' | 'replicas'>): string {
  if (row.replicas > 1) return `${row.backend} (${row.replicas} replicas)`;
  if (row.backend.startsWith('wasm') && row.threads > 1) return `${row.backend} (${row.threads} threads)`;
  return row.backend;
}

function formatRatio(value: number | undefined, estimated: boolean): string {
  if (value === undefined) return '—';
  const text = value >= 10 ? value.toFixed(0) : value >= 0.1 ? value.toFixed(2) : value.toPrecision(2);
  return `${estimated ? '~' : ''}${text}x`;
}

const HEADERS = ['backend', 'model', 'mode', 'batch', 'px', 'threads', 'images/s', 'PyTorch images/s', 'zoo/PyTorch', 'by CPU time', 'vs PyTorch best', 'vs cpu'];

/** The comparison as a Markdown table (also readable in a terminal); `~` marks estimates. */
export function formatTable(rows: readonly ComparisonRow[]): string {
  const cells = rows.map((r) => [
    backendLabel(r),
    r.model,
    r.mode,
    String(r.batch),
    String(r.inputSize),
    String(r.threads),
    `${r.estimated ? '~' : ''}${formatRate(r.imagesPerSecond)}`,
    r.pytorchImagesPerSecond === undefined ? '—' : formatRate(r.pytorchImagesPerSecond),
    formatRatio(r.ratioToPytorch, r.estimated),
    formatRatio(r.cpuTimeRatioToPytorch, r.estimated),
    formatRatio(r.ratioToBestPytorch, r.estimated),
    formatRatio(r.ratioToCpu, r.estimated || r.cpuEstimated === true),
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const numeric = (i: number): boolean => i >= 3;
  const line = (values: string[]): string =>
    `| ${values.map((v, i) => (numeric(i) ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(HEADERS), rule, ...cells.map(line)].join('\n');
}
