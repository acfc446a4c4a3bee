/**
 * One model's training, in its own worker thread or child process: TF.js keeps its backend, kernels
 * and tensors per thread, so each worker initialises the backend itself and trains on its own.
 */
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { describeBackend, initBackend, type BackendChoice } from '@zoo/backend';
import { toDataset } from '@zoo/datasets';
import { describeModel } from '@zoo/analysis';
import { createModel } from '@zoo/models';
import {
  evaluate,
  latestCheckpoint,
  NonFiniteLossError,
  startDataParallel,
  train,
  type DataParallelGroup,
  TrainingAbortedError,
  type EpochRecord as TrainerEpoch,
  type OptimizerOptions,
  type TrainResult,
} from '@zoo/trainer/node';
import { explainFailure } from './failure';
import { writeFileAtomic } from './files';
import { trackPeakTensorBytes } from './peak-memory';
import { runLearningRate, type RunSpec } from './presets';
import { saveRunModel } from './saved-model';
import type { CurvePoint, EpochRecord, Evaluation } from './report';
import type { BatchProgress, MainMessage, WorkerInput, WorkerMessage, WorkerOutcome } from './worker-protocol';

/** Points per epoch kept for the learning curves: enough for a smooth line, small in report.json. */
const CURVE_POINTS_PER_EPOCH = 50;
/** Batch progress is posted at most this often; the last batch of an epoch always is. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * What the app keeps, in its own file beside the trainer's folder, so that a resumed run's report is
 * whole: rewritten after every epoch's checkpoint and at the end, so a kill -9 loses at most the
 * epoch in progress, which the checkpoint does not hold either.
 */
interface SavedState {
  curve: CurvePoint[];
  peakMemoryBytes: number;
  wallSeconds: number;
}

const controller = new AbortController();

/** The way to the main program: a MessagePort in a thread, the IPC channel in a child process. */
interface Channel {
  input: Promise<WorkerInput>;
  post(message: WorkerMessage): void;
  /** Sends the last message, then lets the worker end. */
  end(message: WorkerMessage): void;
}

function threadChannel(port: NonNullable<typeof parentPort>): Channel {
  port.on('message', (message: MainMessage) => {
    if (message.type === 'abort') controller.abort(new Error('interrupted'));
  });
  return {
    input: Promise.resolve(workerData as WorkerInput),
    post: (m) => port.postMessage(m),
    end: (m) => {
      port.postMessage(m);
      port.close();
    },
  };
}

function processChannel(): Channel {
  let started: (input: WorkerInput) => void;
  const input = new Promise<WorkerInput>((resolve) => (started = resolve));
  process.on('message', (message: MainMessage) => {
    if (message.type === 'start') started(message.input);
    else if (message.type === 'abort') controller.abort(new Error('interrupted'));
  });
  // Ctrl-C reaches the whole process group, so a child hears it too: the first one stops at the next
  // batch with a checkpoint (as the main program asks anyway), a second one quits.
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts === 1) controller.abort(new Error('interrupted'));
    else process.exit(130);
  });
  // Without its parent nobody would read the result; after our own last message, we are done.
  process.on('disconnect', () => process.exit(0));
  // A closed terminal or pipe must not end training (TF.js may print a warning to it).
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  return {
    input,
    post: (m) => process.send?.(m),
    // Disconnecting before the message is flushed would lose it.
    end: (m) => process.send?.(m, () => process.disconnect()),
  };
}

if (!parentPort && !process.send) throw new Error('worker.js is started by cli.js, as a worker thread or a child process');
const channel = parentPort ? threadChannel(parentPort) : processChannel();
const post = (message: WorkerMessage) => channel.post(message);

function toRecord(r: TrainerEpoch): EpochRecord {
  return {
    epoch: r.epoch + 1,
    lr: r.lr,
    loss: r.loss,
    trainAcc: r.trainAcc,
    testAcc: r.testAcc ?? NaN,
    examplesPerSec: r.examplesPerSec,
    seconds: r.seconds,
  };
}

/** The state an earlier session left, if it is usable; a damaged file costs the curve, not the resume. */
async function loadState(input: WorkerInput): Promise<SavedState | undefined> {
  for (const file of [input.statePath, input.legacyStatePath]) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    try {
      const state = JSON.parse(text) as SavedState;
      if (Array.isArray(state.curve) && typeof state.wallSeconds === 'number' && typeof state.peakMemoryBytes === 'number') return state;
    } catch {
      // Reported below.
    }
    post({ type: 'note', text: `ignoring ${file}: not the state file a run writes (damaged?); the report's curve starts where this session does` });
    return undefined;
  }
  return undefined;
}

/** The recipe as the trainer takes it: the registry's schedule (drops or cosine) over this run's steps. */
function trainerOptimizer(spec: RunSpec, batchesPerEpoch: number): OptimizerOptions {
  const { lrDropEpochs: _drops, lrSchedule: _schedule, ...rest } = spec.optimizer;
  return { ...rest, lr: runLearningRate(spec, batchesPerEpoch) };
}

async function run(input: WorkerInput): Promise<WorkerOutcome> {
  const startedAt = performance.now();
  const { spec } = input;
  // The trainer's own reading of its folder: temporary leftovers of a crash are no checkpoint.
  const resume = input.resume && (await latestCheckpoint(input.checkpointDir)) !== null;
  const saved = resume ? await loadState(input) : undefined;
  const previousSeconds = saved?.wallSeconds ?? 0;
  // With replicas each one computes on one thread (this worker being replica 0): they are the parallelism.
  const backend = await initBackend({ backend: input.backend as BackendChoice, threads: input.replicas > 1 ? 1 : input.threads });
  const peak = trackPeakTensorBytes();

  const model = createModel(spec.model, { inputSize: spec.inputSize, inChannels: 1, numClasses: input.numClasses, seed: spec.seed });
  const description = describeModel(model, [1, spec.inputSize, spec.inputSize, 1]);
  const resize = spec.inputSize === input.train.height ? undefined : spec.inputSize;
  const trainData = toDataset(input.train, { batchSize: spec.batchSize, resize, shuffle: true, seed: spec.seed, limit: spec.limitTrain, numClasses: input.numClasses, augment: spec.augment });
  // Testing in training-sized batches keeps the peak memory a function of the batch size alone.
  const testData = toDataset(input.test, { batchSize: spec.batchSize, resize, limit: spec.limitTest, numClasses: input.numClasses });
  const batchesPerEpoch = trainData.batchesPerEpoch;
  post({ type: 'model', params: description.totals.params, flops: description.totals.flops, batchesPerEpoch });

  let curve: CurvePoint[] = saved?.curve ?? [];
  let lastPost = 0;
  let history: EpochRecord[] = [];
  let trained: TrainResult | undefined;
  const saveState = async (): Promise<SavedState> => {
    const state: SavedState = {
      curve,
      peakMemoryBytes: Math.max(peak.peak(), saved?.peakMemoryBytes ?? 0),
      wallSeconds: previousSeconds + (performance.now() - startedAt) / 1000,
    };
    await writeFileAtomic(input.statePath, JSON.stringify(state));
    return state;
  };
  const finish = async (outcome: Omit<WorkerOutcome, 'curve' | 'peakMemoryBytes' | 'wallSeconds'>): Promise<WorkerOutcome> => {
    return { ...outcome, ...(await saveState()) };
  };

  let group: DataParallelGroup | undefined;
  try {
    if (input.replicas > 1) {
      post({ type: 'phase', text: `starting ${input.replicas - 1} more replica${input.replicas > 2 ? 's' : ''} (data-parallel)…` });
      group = await startDataParallel({ replicas: input.replicas, workerUrl: new URL('./replica.js', import.meta.url), setupData: input.backend });
    }
    const result = await train(model, {
      train: trainData,
      test: testData,
      epochs: spec.epochs,
      optimizer: trainerOptimizer(spec, batchesPerEpoch),
      seed: spec.seed,
      checkpointDir: input.checkpointDir,
      resume,
      signal: controller.signal,
      dataParallel: group,
      // Reading the loss back forces a GPU to finish the step; batching the reads keeps it busy.
      readbackEvery: backend.device === 'gpu' ? 10 : 1,
      callbacks: {
        onTrainBegin: (logs) => {
          // A resumed run keeps the curve up to where its checkpoint was taken, and no further.
          const from = logs.startEpoch + logs.startBatch / batchesPerEpoch;
          curve = curve.filter((p) => p.epoch <= from + 1e-9);
          if (logs.startEpoch > 0 || logs.startBatch > 0) post({ type: 'resumed', epoch: logs.startEpoch, batch: logs.startBatch });
        },
        onBatchEnd: (batch, logs) => {
          const perEpoch = logs.batchesPerEpoch ?? batchesPerEpoch;
          const last = batch + 1 === perEpoch;
          const at = logs.epoch + (batch + 1) / perEpoch;
          const bucket = (i: number) => Math.floor((i * CURVE_POINTS_PER_EPOCH) / perEpoch);
          if (last || bucket(batch + 1) !== bucket(batch)) curve.push({ epoch: at, loss: logs.runningLoss, acc: logs.runningAcc });
          const now = performance.now();
          if (!last && now - lastPost < PROGRESS_INTERVAL_MS) return;
          lastPost = now;
          const progress: BatchProgress = {
            epoch: logs.epoch + 1,
            batch: batch + 1,
            batchesPerEpoch: perEpoch,
            loss: logs.runningLoss,
            acc: logs.runningAcc,
            examplesPerSec: logs.examplesPerSec,
          };
          post({ type: 'batch', progress });
          if (last) post({ type: 'phase', text: `epoch ${logs.epoch + 1}/${spec.epochs}: testing on ${testData.examplesPerEpoch} images…` });
        },
        onEpochEnd: async (_epoch, logs) => {
          history.push(toRecord(logs));
          // The trainer has written this epoch's checkpoint; the curve and clock up to it go beside it.
          await saveState();
          post({ type: 'epoch', record: toRecord(logs) });
        },
      },
    });
    history = result.history.map(toRecord);
    trained = result;
  } catch (err) {
    if (err instanceof TrainingAbortedError) {
      return await finish({ status: 'interrupted', history: (err.history as TrainerEpoch[]).map(toRecord) });
    }
    // A diverged loss (NonFiniteLossError says so and what to try) or any other failure mid-run still
    // leaves the finished epochs worth reporting.
    const message = err instanceof NonFiniteLossError ? err.message : explainFailure(err, spec, backend.name);
    return await finish({ status: 'failed', history, error: message });
  } finally {
    await group?.close();
  }
  try {
    post({ type: 'phase', text: `final evaluation on ${testData.examplesPerEpoch} test images (confusion matrix)…` });
    const evaluated = await evaluate(model, testData, { numClasses: input.numClasses });
    const evaluation: Evaluation = {
      confusion: evaluated.confusionMatrix.map((row) => [...row]),
      perClassAccuracy: [...evaluated.perClassAccuracy],
    };
    post({ type: 'phase', text: 'saving the trained model…' });
    const savedModel = await saveRunModel(model, { ...input, backend: describeBackend(backend), result: trained, evaluation: evaluated });
    return await finish({ status: 'done', history, evaluation, savedModel });
  } catch (err) {
    return await finish({ status: 'done', history, error: `evaluation failed: ${(err as Error).message}` });
  }
}

channel.input
  .then(run)
  .then(
    (outcome) => channel.end({ type: 'finished', outcome }),
    (err: unknown) => {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      channel.end({ type: 'finished', outcome: { status: 'failed', history: [], curve: [], peakMemoryBytes: 0, wallSeconds: 0, error } });
    },
  );
