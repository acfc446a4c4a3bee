/**
 * Both networks trained from scratch on the sample, side by side, with @zoo/trainer's train() (the
 * zoo's one training loop and step). On the page's main thread: the page already holds the one
 * TF.js backend (and its wasm module or GPU context), and a worker would start a second one and
 * copy every weight across to show filters or classify. The page stays responsive because the two
 * loops take turns one batch at a time and each turn ends with `tf.nextFrame()`, which lets the
 * browser paint and handle input between batches. The turns also keep each model's timing its own:
 * images/s counts only the time of that model's batches.
 */
import * as tf from '@tensorflow/tfjs';
import { toDataset, type Split } from '@zoo/datasets';
import { createModel } from '@zoo/models';
import { train, TrainingAbortedError, type BatchEndLogs, type EpochRecord } from '@zoo/trainer';
import type { PlaygroundModel } from './models';

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  lr: number;
}

/** What one model's run has reported so far. */
export interface RunProgress {
  readonly name: string;
  /** Global step and loss of each batch. */
  readonly batches: { step: number; loss: number }[];
  readonly epochs: EpochRecord[];
  /** Training images per second of this model's own batch time. */
  imagesPerSec: number;
  state: 'waiting' | 'training' | 'paused' | 'done' | 'stopped' | 'failed';
  error?: string;
}

/** Round-robin turns: one batch of one model at a time. */
class Turns {
  private queue: (() => void)[] = [];
  private busy = false;
  acquire(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((ok) => this.queue.push(ok));
  }
  release(): void {
    const next = this.queue.shift();
    if (next === undefined) this.busy = false;
    else next();
  }
}

/** A pause that the loops wait on at each batch boundary. */
class Gate {
  private opened: Promise<void> = Promise.resolve();
  private open: (() => void) | null = null;
  get closed(): boolean {
    return this.open !== null;
  }
  close(): void {
    if (this.open === null) this.opened = new Promise((ok) => (this.open = ok));
  }
  release(): void {
    this.open?.();
    this.open = null;
  }
  wait(): Promise<void> {
    return this.opened;
  }
}

export interface SideBySide {
  readonly runs: RunProgress[];
  /** Resolves when both runs have ended (done, stopped or failed). */
  readonly finished: Promise<void>;
  pause(): void;
  resume(): void;
  /** Ends both runs for good and frees their models. */
  stop(): void;
  readonly paused: boolean;
}

/**
 * Trains each model on `trainSplit`, evaluating on `heldOut` after every epoch; `onProgress` is
 * called after every batch and epoch (the page redraws its charts from `runs`).
 */
export function trainSideBySide(models: readonly PlaygroundModel[], trainSplit: Split, heldOut: Split, settings: TrainSettings, onProgress: () => void): SideBySide {
  const turns = new Turns();
  const gate = new Gate();
  const abort = new AbortController();
  const runs: RunProgress[] = models.map((m) => ({ name: m.name, batches: [], epochs: [], imagesPerSec: 0, state: 'waiting' }));

  const one = async (m: PlaygroundModel, run: RunProgress, seed: number): Promise<void> => {
    const model = createModel(m.name, { seed });
    let batchStart = 0;
    let ownSeconds = 0;
    let ownImages = 0;
    try {
      run.state = 'training';
      await train(model, {
        train: toDataset(trainSplit, { batchSize: settings.batchSize, shuffle: true, seed }),
        test: toDataset(heldOut, { batchSize: heldOut.count }),
        epochs: settings.epochs,
        optimizer: { name: 'adam', lr: settings.lr },
        seed,
        signal: abort.signal,
        callbacks: {
          onBatchBegin: async () => {
            if (gate.closed) {
              run.state = 'paused';
              onProgress();
              await gate.wait();
              run.state = 'training';
            }
            await turns.acquire();
            batchStart = performance.now();
          },
          onBatchEnd: async (_batch: number, logs: BatchEndLogs) => {
            ownSeconds += (performance.now() - batchStart) / 1000;
            ownImages += logs.size;
            run.imagesPerSec = ownImages / ownSeconds;
            run.batches.push({ step: logs.step, loss: logs.loss });
            turns.release();
            onProgress();
            await tf.nextFrame();
          },
          onEpochEnd: (_epoch: number, record: EpochRecord) => {
            run.epochs.push(record);
            onProgress();
          },
        },
      });
      run.state = 'done';
    } catch (err) {
      if (err instanceof TrainingAbortedError) run.state = 'stopped';
      else {
        run.state = 'failed';
        run.error = err instanceof Error ? err.message : String(err);
      }
    } finally {
      model.dispose();
      onProgress();
    }
  };

  const finished = Promise.all(models.map((m, i) => one(m, runs[i], 1))).then(() => undefined);
  return {
    runs,
    finished,
    pause: () => {
      gate.close();
      onProgress();
    },
    resume: () => {
      gate.release();
      onProgress();
    },
    stop: () => {
      abort.abort(new Error('stopped on the page'));
      gate.release();
    },
    get paused() {
      return gate.closed;
    },
  };
}
