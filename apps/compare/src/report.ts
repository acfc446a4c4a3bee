import type { EpochRecord as TrainerEpochRecord } from '@zoo/trainer';
import type { RunSpec } from './presets';
import type { SweepFlag } from './options';
import { formatAccuracy, formatBytes, formatCount, formatDuration, formatFlops, formatLoss, formatRate } from './format';
import type { SavedModelInfo } from './saved-model';
import type { LayerMaps, ReportViews } from './views';

/**
 * One epoch as the report shows it: the trainer's `EpochRecord` cut to the fields the report
 * promises, converted at the edge (worker.ts's `toRecord`) to how people count: epochs from 1, and
 * NaN (null in report.json) for a test accuracy that was not measured.
 */
export type EpochRecord = Pick<TrainerEpochRecord, 'lr' | 'loss' | 'trainAcc' | 'examplesPerSec' | 'seconds'> & {
  /** 1-based. */
  readonly epoch: number;
  readonly testAcc: number;
};

/** Running training loss and accuracy inside epochs, at fractional epochs (D2L's animated curves). */
export interface CurvePoint {
  epoch: number;
  loss: number;
  acc: number;
}

export interface Evaluation {
  /** `confusion[trueClass][predictedClass]` counts on the test set. */
  confusion: number[][];
  /** Null for a class with no test examples. */
  perClassAccuracy: (number | null)[];
}

export type RunStatus = 'done' | 'interrupted' | 'failed';

export interface ModelReport {
  /** Unique display name (the run id): the model, or `model@bs64` in a sweep. */
  name: string;
  model: string;
  spec: RunSpec;
  params: number;
  /** Forward-pass FLOPs for one example. */
  flops: number;
  history: EpochRecord[];
  curve: CurvePoint[];
  final: { loss: number; trainAcc: number; testAcc: number; examplesPerSec: number };
  /** Seconds from the worker's start to its end, including data preparation and evaluation. */
  wallSeconds: number;
  /** Highest bytes held in tensors at any moment of training, as TF.js counts them (replica 0's, with replicas). */
  peakMemoryBytes: number;
  status: RunStatus;
  /** Data-parallel replicas it trained with, one backend thread each; 1: one replica on all its threads. */
  replicas: number;
  error?: string;
  evaluation?: Evaluation;
  /** The trained model in TF.js Layers format with its manifest, relative to the run folder. */
  savedModel?: SavedModelInfo;
}

export interface SweepRow {
  model: string;
  name: string;
  value: number;
  examplesPerSec: number;
  trainAcc: number;
  testAcc: number;
  loss: number;
  peakMemoryBytes: number;
  seconds: number;
}

export interface Report {
  createdAt: string;
  command: string;
  backend: { name: string; device: string; threads: number; description: string };
  preset: string;
  presetReason: string;
  config: {
    mode: 'compare' | 'sweep';
    sweep?: { flag: SweepFlag; values: number[] };
    runs: RunSpec[];
    dataDir: string;
    trainExamples: number;
    testExamples: number;
    jobs: number;
  };
  classNames: string[];
  models: ModelReport[];
  sweep?: { flag: SweepFlag; rows: SweepRow[] };
  /** Pictures of the saved models' filters and feature maps, PNG files under the run folder. */
  views?: ReportViews;
}

/** The last epoch's numbers, or NaNs for a run that never finished one. */
export function finalOf(history: readonly EpochRecord[]): ModelReport['final'] {
  const last = history[history.length - 1];
  if (!last) return { loss: NaN, trainAcc: NaN, testAcc: NaN, examplesPerSec: NaN };
  return { loss: last.loss, trainAcc: last.trainAcc, testAcc: last.testAcc, examplesPerSec: last.examplesPerSec };
}

/** The sweep's table: one row per run, ordered by model then value. */
export function sweepRows(flag: SweepFlag, models: readonly ModelReport[]): SweepRow[] {
  return models
    .map((m) => ({
      model: m.model,
      name: m.name,
      value: flag === 'batch-size' ? m.spec.batchSize : m.spec.optimizer.lr,
      examplesPerSec: m.final.examplesPerSec,
      trainAcc: m.final.trainAcc,
      testAcc: m.final.testAcc,
      loss: m.final.loss,
      peakMemoryBytes: m.peakMemoryBytes,
      seconds: m.wallSeconds,
    }))
    .sort((a, b) => (a.model === b.model ? a.value - b.value : a.model.localeCompare(b.model)));
}

export const COMPARISON_HEADER = [
  'model',
  'input',
  'params',
  'FLOPs/example',
  'epochs',
  'loss',
  'train acc',
  'test acc',
  'examples/s',
  'wall time',
  'peak memory',
] as const;

/** What the comparison table's numbers mean, said under it in report.md and report.html. */
export const COMPARISON_NOTE =
  'FLOPs count one forward pass (a multiply-add is 2 FLOPs); training costs about three times that. ' +
  "Examples/s is the last epoch's training throughput; models trained at once share the CPU cores. " +
  'Peak memory is the most bytes held in tensors at any moment, as TF.js counts them. ' +
  'A row marked "cost probe" trained on a few hundred images only to measure speed and memory: its accuracy is no result.';

export function reportTitle(report: Report): string {
  return report.sweep ? `Sweep over ${sweepLabel(report.sweep.flag)}` : 'LeNet and AlexNet, side by side';
}

/** The comparison table's rows, shared by the terminal, report.md and report.html. */
export function comparisonRows(report: Report): string[][] {
  return report.models.map((m) => {
    const subset = m.spec.limitTrain !== undefined ? ` (${formatCount(m.spec.limitTrain)} imgs)` : '';
    const status = m.status === 'done' ? '' : ` [${m.status}]`;
    // A cost probe's accuracy after a few hundred images is chance, not a result: say what the row is.
    const accuracy = (value: number) => (m.spec.costProbe && m.history.length > 0 ? `${formatAccuracy(value)} (cost probe)` : formatAccuracy(value));
    return [
      m.name + status,
      `${m.spec.inputSize}x${m.spec.inputSize}`,
      formatCount(m.params),
      formatFlops(m.flops),
      `${m.history.length}/${m.spec.epochs}${subset}`,
      formatLoss(m.final.loss),
      accuracy(m.final.trainAcc),
      accuracy(m.final.testAcc),
      formatRate(m.final.examplesPerSec),
      formatDuration(m.wallSeconds),
      formatBytes(m.peakMemoryBytes),
    ];
  });
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function sweepLabel(flag: SweepFlag): string {
  return flag === 'batch-size' ? 'batch size' : 'learning rate';
}

/** The sweep table's columns, the swept value named for what it is. */
export function sweepHeader(flag: SweepFlag): string[] {
  return ['model', sweepLabel(flag), 'examples/s', 'loss', 'train acc', 'test acc', 'peak memory', 'wall time'];
}

export function sweepTableRows(rows: readonly SweepRow[]): string[][] {
  return rows.map((r) => [
    r.model,
    String(r.value),
    formatRate(r.examplesPerSec),
    formatLoss(r.loss),
    formatAccuracy(r.trainAcc),
    formatAccuracy(r.testAcc),
    formatBytes(r.peakMemoryBytes),
    formatDuration(r.seconds),
  ]);
}

export const HISTORY_HEADER = ['epoch', 'loss', 'train acc', 'test acc', 'examples/s', 'seconds', 'lr'] as const;

export function historyRows(model: ModelReport): string[][] {
  return model.history.map((h) => [
    String(h.epoch),
    formatLoss(h.loss),
    formatAccuracy(h.trainAcc),
    formatAccuracy(h.testAcc),
    formatRate(h.examplesPerSec),
    h.seconds.toFixed(1),
    String(h.lr),
  ]);
}

/** Test accuracy per class: a header of the evaluated models' names and one row per class. */
export function perClassTable(report: Report): { header: string[]; rows: string[][] } | undefined {
  const evaluated = report.models.filter((m) => m.evaluation);
  if (evaluated.length === 0) return undefined;
  return {
    header: ['class', ...evaluated.map((m) => m.name)],
    rows: report.classNames.map((name, c) => [name, ...evaluated.map((m) => formatAccuracy(m.evaluation!.perClassAccuracy[c]))]),
  };
}

/** The optimizer as one short phrase: `sgd lr 0.01`, `momentum 0.9 lr 0.01 wd 0.0005`. */
export function describeOptimizer(spec: RunSpec): string {
  const o = spec.optimizer;
  const parts = [o.name === 'momentum' ? `momentum ${o.momentum}` : o.name, `lr ${o.lr}`];
  if (o.lrSchedule === 'cosine') parts.push('cosine');
  if (o.lrDropEpochs?.length) parts.push(`/10 after epoch ${o.lrDropEpochs.join(', ')}`);
  if (o.weightDecay) parts.push(`wd ${o.weightDecay}`);
  const a = spec.augment;
  if (a !== undefined) parts.push(`augment ${[a.flip ? 'flip' : '', a.crop ? `crop ${a.crop}` : ''].filter((x) => x !== '').join('+')}`);
  return parts.join(' ');
}

export function describeRun(spec: RunSpec): string {
  const data = [
    spec.limitTrain !== undefined ? `${spec.limitTrain} train` : 'all train',
    spec.limitTest !== undefined ? `${spec.limitTest} test` : 'all test',
  ].join(' / ');
  const probe = spec.costProbe ? ' (a cost probe: speed and memory, not accuracy)' : '';
  return `${spec.inputSize}px, batch ${spec.batchSize}, ${describeOptimizer(spec)}, ${spec.epochs} epoch${spec.epochs === 1 ? '' : 's'}, ${data}${probe}, seed ${spec.seed}`;
}

/**
 * The report's line about a run's saved model: `link` renders the folder as a link to its
 * model.json, `text` escapes the words around it (identity for Markdown, HTML escaping for HTML).
 */
export function savedModelLine(saved: SavedModelInfo, link: (path: string) => string, text: (s: string) => string = (s) => s): string {
  return (
    text('Trained model: ') +
    link(saved.path) +
    text(
      ` (TF.js Layers format with manifest.json; test accuracy ${formatAccuracy(saved.testAccuracy)}, ${formatBytes(saved.bytes)} of weights, ` +
        `SHA-256 ${saved.sha256.slice(0, 12)}…). Classify images with it: pnpm --filter compare start classify IMAGE… --run <this run's folder>`,
    )
  );
}

/** What the report's pictures show, said above them in report.md and report.html. */
export const VIEWS_NOTE =
  "Filters: each tile is one filter of the model's first convolution, scaled on its own about zero (mid-grey is 0, white its largest weight, black its most negative). " +
  'Feature maps: what each convolution outputs (after its activation) for the first test image of each class, one tile per channel, each scaled from its lowest value (black) to its highest (white).';

/** A feature-map picture's caption: the layer and its output as D2L writes shapes, channels first. */
export function mapsCaption(m: Pick<LayerMaps, 'layer' | 'shape'>): string {
  return `${m.layer} ${m.shape[2]}x${m.shape[0]}x${m.shape[1]}`;
}
