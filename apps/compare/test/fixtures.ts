import type { RunSpec } from '../src/presets';
import type { CurvePoint, EpochRecord, ModelReport, Report } from '../src/report';
import { finalOf } from '../src/report';

export const CLASSES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot'];

/** A made-up but internally consistent run: loss falls, accuracy rises, epoch by epoch. */
export function fakeModel(name: string, epochs: number, options: { evaluated?: boolean; batchSize?: number } = {}): ModelReport {
  const spec: RunSpec = {
    id: name,
    model: name.split('@')[0],
    inputSize: 28,
    batchSize: options.batchSize ?? 128,
    epochs,
    optimizer: { name: 'sgd', lr: 0.1 },
    seed: 1,
  };
  const history: EpochRecord[] = [];
  const curve: CurvePoint[] = [];
  for (let e = 1; e <= epochs; e++) {
    for (let k = 1; k <= 4; k++) curve.push({ epoch: e - 1 + k / 4, loss: 2 / (e + k / 4), acc: 1 - 0.8 / (e + k / 4) });
    history.push({ epoch: e, lr: 0.1, loss: 2 / (e + 1), trainAcc: 1 - 0.8 / (e + 1), testAcc: 1 - 0.9 / (e + 1), examplesPerSec: 1000 * e, seconds: 10 });
  }
  const report: ModelReport = {
    name,
    model: spec.model,
    spec,
    params: 61706,
    flops: 845000,
    history,
    curve,
    final: finalOf(history),
    wallSeconds: 12 * epochs,
    peakMemoryBytes: 3 * 2 ** 20,
    status: 'done',
    replicas: 1,
  };
  if (options.evaluated !== false) {
    const confusion = CLASSES.map((_, t) => CLASSES.map((__, p) => (t === p ? 80 : t === (p + 1) % 10 ? 20 : 0)));
    report.evaluation = { confusion, perClassAccuracy: confusion.map((row, c) => row[c] / 100) };
  }
  return report;
}

export function fakeReport(models: ModelReport[]): Report {
  return {
    createdAt: '2026-01-01T00:00:00.000Z',
    command: 'pnpm --filter compare start --preset quick',
    backend: { name: 'wasm', device: 'cpu', threads: 1, description: 'backend: wasm on CPU (1 thread)' },
    preset: 'quick',
    presetReason: '--preset quick',
    config: { mode: 'compare', runs: models.map((m) => m.spec), dataDir: '/data', trainExamples: 60000, testExamples: 10000, jobs: models.length },
    classNames: CLASSES,
    models,
  };
}
