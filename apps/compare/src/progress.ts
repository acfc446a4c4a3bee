import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { formatAccuracy, formatDuration, formatLoss, formatRate } from './format';
import type { EpochRecord } from './report';

/** Where one run is, as of its latest batch. `epoch` and `batch` count from 1. */
export interface RunProgress {
  id: string;
  epoch: number;
  epochs: number;
  batch: number;
  batchesPerEpoch: number;
  loss: number;
  acc: number;
  examplesPerSec: number;
}

/** Receives the runs' events; a terminal gets live bars, anything else gets log lines. */
export interface ProgressView {
  add(id: string, epochs: number): void;
  update(progress: RunProgress): void;
  epochDone(id: string, record: EpochRecord, epochs: number): void;
  /** What a run is doing between batches (testing, evaluating), for as long as it does it. */
  phase(id: string, text: string): void;
  /** A one-off line about one run (resumed, interrupted, failed, finished). */
  note(id: string, text: string): void;
  /** A line that is not about one run. */
  log(text: string): void;
  stop(): void;
}

/**
 * Seconds left from the batch rate seen so far in this session (not counting batches done before a
 * resume), so the estimate is about this machine now.
 */
export class EtaEstimator {
  private first?: { at: number; done: number };
  private latest?: { at: number; done: number };
  constructor(private readonly now: () => number = () => Date.now()) {}

  observe(done: number): void {
    const point = { at: this.now(), done };
    if (!this.first) this.first = point;
    this.latest = point;
  }

  secondsLeft(total: number): number {
    if (!this.first || !this.latest) return NaN;
    const batches = this.latest.done - this.first.done;
    const seconds = (this.latest.at - this.first.at) / 1000;
    if (batches <= 0 || seconds <= 0) return NaN;
    return (Math.max(0, total - this.latest.done) * seconds) / batches;
  }
}

function doneBatches(p: RunProgress): number {
  return (p.epoch - 1) * p.batchesPerEpoch + p.batch;
}

export function progressLine(p: RunProgress, eta: number): string {
  return (
    `epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batchesPerEpoch} loss ${formatLoss(p.loss)} ` +
    `acc ${formatAccuracy(p.acc)} ${formatRate(p.examplesPerSec)} ex/s ETA ${formatDuration(eta)}`
  );
}

export function epochLine(record: EpochRecord, epochs: number): string {
  return (
    `epoch ${record.epoch}/${epochs} done: loss ${formatLoss(record.loss)} train acc ${formatAccuracy(record.trainAcc)} ` +
    `test acc ${formatAccuracy(record.testAcc)} ${formatRate(record.examplesPerSec)} ex/s ${formatDuration(record.seconds)} lr ${Number(record.lr.toPrecision(3))}`
  );
}

/** Plain lines for logs and pipes: every epoch, and a batch line per run at most every `intervalMs`. */
export class LogProgress implements ProgressView {
  private readonly last = new Map<string, number>();
  private readonly etas = new Map<string, EtaEstimator>();
  private width = 0;

  constructor(
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    private readonly intervalMs = 10_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  add(id: string): void {
    this.width = Math.max(this.width, id.length);
    this.etas.set(id, new EtaEstimator(this.now));
  }

  private prefix(id: string): string {
    return `[${id.padEnd(this.width)}]`;
  }

  update(p: RunProgress): void {
    const eta = this.etas.get(p.id) ?? new EtaEstimator(this.now);
    this.etas.set(p.id, eta);
    eta.observe(doneBatches(p));
    const at = this.now();
    const last = this.last.get(p.id);
    if (last !== undefined && at - last < this.intervalMs) return;
    this.last.set(p.id, at);
    this.write(`${this.prefix(p.id)} ${progressLine(p, eta.secondsLeft(p.epochs * p.batchesPerEpoch))}`);
  }

  epochDone(id: string, record: EpochRecord, epochs: number): void {
    this.write(`${this.prefix(id)} ${epochLine(record, epochs)}`);
  }

  /** Logs say when an epoch is done; what happened in between is not worth a line. */
  phase(): void {}

  note(id: string, text: string): void {
    this.write(`${this.prefix(id)} ${text}`);
  }

  log(text: string): void {
    this.write(text);
  }

  stop(): void {}
}

/** One live bar per run (cli-progress), with epoch lines and notes printed above the bars. */
export class TtyProgress implements ProgressView {
  private readonly multi: MultiBar;
  private readonly bars = new Map<string, SingleBar>();
  private readonly etas = new Map<string, EtaEstimator>();
  private width = 0;

  constructor(stream: NodeJS.WriteStream = process.stdout) {
    this.multi = new MultiBar(
      {
        stream,
        format: '{id} {bar} {percentage}% | {line}',
        barsize: 18,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        autopadding: true,
        fps: 5,
      },
      Presets.shades_classic,
    );
  }

  add(id: string, epochs: number): void {
    this.width = Math.max(this.width, id.length);
    for (const [name, bar] of this.bars) bar.update({ id: name.padEnd(this.width) });
    this.etas.set(id, new EtaEstimator());
    this.bars.set(id, this.multi.create(epochs, 0, { id: id.padEnd(this.width), line: 'waiting for a worker…' }));
  }

  update(p: RunProgress): void {
    const bar = this.bars.get(p.id);
    if (!bar) return;
    const total = p.epochs * p.batchesPerEpoch;
    const eta = this.etas.get(p.id)!;
    eta.observe(doneBatches(p));
    bar.setTotal(total);
    bar.update(doneBatches(p), { line: progressLine(p, eta.secondsLeft(total)) });
  }

  epochDone(id: string, record: EpochRecord, epochs: number): void {
    this.multi.log(`[${id}] ${epochLine(record, epochs)}\n`);
  }

  phase(id: string, text: string): void {
    this.bars.get(id)?.update({ line: text });
  }

  note(id: string, text: string): void {
    const bar = this.bars.get(id);
    if (bar && /^(done|interrupted|failed)/.test(text)) bar.update({ line: text });
    this.multi.log(`[${id}] ${text}\n`);
  }

  log(text: string): void {
    this.multi.log(`${text}\n`);
  }

  stop(): void {
    this.multi.stop();
  }
}

export function createProgressView(): ProgressView {
  return process.stdout.isTTY ? new TtyProgress() : new LogProgress();
}
