/**
 * The playground: the zoo's shipped LeNet-5 and alexnet-mini side by side in a browser. Everything
 * here runs in the page on the backend initBackend picks (WebGPU or WebGL on hardware, else wasm,
 * else cpu; `?backend=wasm` and the like choose one).
 */
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend, BACKEND_CHOICES, type BackendChoice, type BackendInfo } from '@zoo/backend';
import type { Split } from '@zoo/datasets';
import { featureMaps, filterGrid } from '@zoo/analysis';
import type { Classification, ImageInput } from '@zoo/layers';
import { loadPretrained, type Pretrained } from '@zoo/models';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { FEATURE_GRID, FILTER_GRID, MODELS, TRAIN_COUNT, type PlaygroundModel } from './models';
import { imageAt, loadSample, siteUrl, slice } from './sample';
import { drawPad } from './draw';
import { trainSideBySide, type SideBySide } from './training';
import { byId, confusionTable, drawSheet, el, gridCanvas, tileAt, topList } from './views';
import './style.css';

const COLOURS = ['#2e86ab', '#e4572e'];
/** Redraws while drawing at most this often: each one classifies with both models and redraws every feature map. */
const DRAW_THROTTLE_MS = 120;

interface Loaded {
  readonly spec: PlaygroundModel;
  readonly net: Pretrained;
  /** Class probabilities of every sample image. */
  probabilities: Float32Array;
  predicted: Int32Array;
  /** Median ms of one image classified alone (preprocess, predict, read back), and per image in one batch of the sample. */
  msSingle: number;
  msBatched: number;
}

type Input = { kind: 'sample'; index: number } | { kind: 'drawing'; note: string };

/** What the page exposes for its tests and for a person at the console. */
export interface PlaygroundHandle {
  backend: BackendInfo;
  models: { name: string; msSingle: number; msBatched: number; sampleAccuracy: number }[];
  training: () => SideBySide | null;
}

declare global {
  interface Window {
    playground?: PlaygroundHandle;
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function backendFromUrl(): BackendChoice | undefined {
  const asked = new URLSearchParams(location.search).get('backend');
  if (asked === null) return undefined;
  if (!(BACKEND_CHOICES as readonly string[]).includes(asked)) throw new Error(`?backend=: expected one of ${BACKEND_CHOICES.join(', ')}, got "${asked}"`);
  return asked as BackendChoice;
}

/** Pixels of sample images as the [n, 28, 28, 1] tensor of 0..255 values a Pretrained preprocesses. */
function pixels(split: Split, from = 0, to = split.count): tf.Tensor4D {
  const part = slice(split, from, to);
  return tf.tensor4d(Int32Array.from(part.images), [part.count, part.height, part.width, 1], 'int32');
}

function evaluateSample(net: Pretrained, sample: Split): { probabilities: Float32Array; predicted: Int32Array; msBatched: number } {
  const t0 = performance.now();
  const { probabilities, predicted } = tf.tidy(() => {
    const x = pixels(sample);
    const p = net.model.predict(net.preprocess(x)) as tf.Tensor2D;
    return { probabilities: p.dataSync() as Float32Array, predicted: p.argMax(1).dataSync() as Int32Array };
  });
  return { probabilities: probabilities.slice(), predicted: predicted.slice(), msBatched: (performance.now() - t0) / sample.count };
}

async function timeSingle(net: Pretrained, sample: Split): Promise<number> {
  const times: number[] = [];
  // The first calls compile kernels (and shaders on a GPU); they are not what a user waits for later.
  for (let i = 0; i < 23; i++) {
    const image = tf.tensor2d(imageAt(sample, i), [sample.height, sample.width], 'int32');
    const t0 = performance.now();
    await net.classify(image, { topK: 3 });
    if (i >= 3) times.push(performance.now() - t0);
    image.dispose();
  }
  return median(times);
}

async function start(): Promise<void> {
  const runtime = byId('runtime');
  const info = await initBackend({ backend: backendFromUrl(), wasmPaths: siteUrl('wasm/') });
  const backendLine = describeBackend(info).replace(/^backend: /, '');
  runtime.textContent = `Running on ${backendLine} · TF.js ${tf.version.tfjs} · loading models…`;

  const [sample, ...nets] = await Promise.all([loadSample(), ...MODELS.map((m) => loadPretrained(m.name, { url: siteUrl(`weights/${m.name}/`) }))]);
  const classes = nets[0].categories;
  const loaded: Loaded[] = [];
  for (const [i, net] of nets.entries()) {
    const evaluation = evaluateSample(net, sample);
    loaded.push({ spec: MODELS[i], net, ...evaluation, msSingle: await timeSingle(net, sample) });
  }
  const disagree = new Set<number>();
  for (let i = 0; i < sample.count; i++) if (loaded[0].predicted[i] !== loaded[1].predicted[i]) disagree.add(i);
  const accuracy = (m: Loaded) => m.predicted.reduce((n, p, i) => n + (p === sample.labels[i] ? 1 : 0), 0) / sample.count;

  const timing = loaded.map((m) => `${m.spec.title}: ${m.msSingle.toFixed(1)} ms per image alone, ${m.msBatched.toFixed(2)} ms in a batch of ${sample.count}`).join(' · ');
  runtime.textContent = `Running on ${backendLine} · TF.js ${tf.version.tfjs} · ${timing}`;
  runtime.dataset.backend = info.name;

  // The sample sheet, and which input the views show.
  const sheet = byId<HTMLCanvasElement>('sample-grid');
  const onlyDisagree = byId<HTMLInputElement>('only-disagree');
  byId('sample-note').textContent = `(the models disagree on ${disagree.size}, framed red)`;
  let input: Input = { kind: 'sample', index: 0 };
  const redrawSheet = () => drawSheet(sheet, sample.images, sample.count, disagree, input.kind === 'sample' ? input.index : -1, onlyDisagree.checked);
  onlyDisagree.addEventListener('change', redrawSheet);

  const pad = byId<HTMLCanvasElement>('draw');
  const inputImage = (): ImageInput =>
    input.kind === 'sample' ? tf.tensor2d(imageAt(sample, input.index), [sample.height, sample.width], 'int32') : pad;

  const answers = byId('answers');
  const inside = byId('inside-models');
  const inputView = byId<HTMLCanvasElement>('input-view');

  /** Classifies the current input with both models and redraws the answers and feature maps. */
  const show = async () => {
    const image = inputImage();
    const truth = input.kind === 'sample' ? sample.labels[input.index] : null;
    const results: { m: Loaded; top: Classification[]; ms: number }[] = [];
    for (const m of loaded) {
      const t0 = performance.now();
      const top = await m.net.classify(image, { topK: 3 });
      results.push({ m, top, ms: performance.now() - t0 });
    }
    const differ = results[0].top[0].index !== results[1].top[0].index;
    const where = input.kind === 'sample' ? `sample image ${input.index}` : input.note;
    byId('input-note').textContent = truth === null ? `(${where})` : `(${where}, truly ${classes[truth]})`;
    byId('input-note').classList.remove('error');
    answers.replaceChildren(
      ...results.map(({ m, top, ms }) => {
        const card = el('div', { className: `card${differ ? ' disagree' : ''}` }, [
          el('h3', {}, [m.spec.title]),
          topList(top, truth),
          el('p', { className: 'small' }, [`${ms.toFixed(1)} ms for this image · ${(100 * accuracy(m)).toFixed(1)}% on the sample · ${(100 * m.net.weights.testAccuracy).toFixed(1)}% on the test set`]),
        ]);
        Object.assign(card.dataset, { model: m.spec.name, top1: String(top[0].index), input: input.kind === 'sample' ? `sample:${input.index}` : 'drawing', ms: ms.toFixed(2) });
        return card;
      }),
      el('p', { className: differ ? 'verdict disagree' : 'verdict' }, [differ ? `They disagree: ${results.map((r) => r.top[0].className).join(' vs ')}.` : `They agree: ${results[0].top[0].className}.`]),
    );

    // What the first model sees (28x28 grey), scaled up.
    const seen = tf.tidy(() => loaded[0].net.preprocess(image).squeeze([0]).mul(255).clipByValue(0, 255).toInt() as tf.Tensor3D);
    const small = el('canvas', { width: seen.shape[1], height: seen.shape[0] });
    await tf.browser.toPixels(seen, small);
    seen.dispose();
    const ctx = inputView.getContext('2d');
    if (ctx !== null) {
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(small, 0, 0, inputView.width, inputView.height);
    }

    // Feature maps of every convolution for this input.
    for (const m of loaded) {
      const x = m.net.preprocess(image);
      let maps: ReturnType<typeof featureMaps>;
      try {
        maps = featureMaps(m.net.model, x, FEATURE_GRID);
      } finally {
        x.dispose();
      }
      const box = inside.querySelector(`[data-model="${m.spec.name}"] .maps`) as HTMLElement;
      box.replaceChildren(
        ...maps.map((f) => {
          const canvas = gridCanvas(f.grid, `${f.layer}: ${f.shape[2]} channels of ${f.shape[0]}x${f.shape[1]}`);
          canvas.dataset.layer = f.layer;
          return el('figure', {}, [el('figcaption', {}, [`${f.layer} · ${f.shape[2]} maps of ${f.shape[0]}×${f.shape[1]}`]), canvas]);
        }),
      );
    }
    if (image instanceof tf.Tensor) image.dispose();
    document.body.dataset.shown = input.kind === 'sample' ? `sample:${input.index}` : `drawing:${++drawings}`;
  };
  let drawings = 0;

  // Serialises redraws: at most one running and one waiting, so fast drawing never queues up work.
  let running: Promise<void> | null = null;
  let again = false;
  const refresh = (): void => {
    if (running !== null) {
      again = true;
      return;
    }
    running = show()
      .catch((err: unknown) => fail(err))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          refresh();
        }
      });
  };
  let lastDraw = 0;
  let drawTimer: number | undefined;
  const drawn = () => {
    input = { kind: 'drawing', note: 'your drawing' };
    window.clearTimeout(drawTimer);
    const wait = DRAW_THROTTLE_MS - (performance.now() - lastDraw);
    drawTimer = window.setTimeout(() => {
      lastDraw = performance.now();
      redrawSheet();
      refresh();
    }, Math.max(0, wait));
  };
  const drawing = drawPad(pad, drawn);
  byId('clear').addEventListener('click', () => drawing.clear());
  const open = async (file: File) => {
    try {
      const { inverted } = await drawing.load(file);
      input = { kind: 'drawing', note: `${file.name}${inverted ? ', inverted: light background' : ''}` };
    } catch (err) {
      // A file the browser cannot decode is the user's to fix, not a broken page.
      const note = byId('input-note');
      note.textContent = `(${err instanceof Error ? err.message : String(err)})`;
      note.classList.add('error');
    }
  };
  byId<HTMLInputElement>('file').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file !== undefined) void open(file);
  });
  pad.addEventListener('zoo-file', (e) => void open((e as CustomEvent<File>).detail));
  sheet.addEventListener('click', (e) => {
    const i = tileAt(sheet, e.clientX, e.clientY, sample.count);
    if (i < 0) return;
    input = { kind: 'sample', index: i };
    redrawSheet();
    refresh();
  });

  // Each model's first-layer filters, and a place for its feature maps.
  inside.replaceChildren(
    ...loaded.map((m) => {
      const grid = filterGrid(m.net.model, FILTER_GRID);
      const canvas = gridCanvas(grid, `${m.spec.title}: the ${grid.tiles} filters of its first convolution`);
      canvas.classList.add('filters');
      // Pixelated at 1.5x: a 5x5 kernel is otherwise too small to read.
      canvas.style.width = `${Math.round(grid.width * 1.5)}px`;
      const box = el('div', { className: 'model' }, [
        el('h3', {}, [m.spec.title]),
        el('figure', {}, [el('figcaption', {}, [`first-layer filters (${grid.tiles}, mid-grey is 0)`]), canvas]),
        el('div', { className: 'maps' }),
      ]);
      box.dataset.model = m.spec.name;
      return box;
    }),
  );

  // Per-class accuracy and confusion on the sample.
  byId('confusions').replaceChildren(
    ...loaded.map((m) => {
      const confusion = classes.map(() => classes.map(() => 0));
      m.predicted.forEach((p, i) => confusion[sample.labels[i]][p]++);
      const box = el('div', { className: 'model' }, [el('h3', {}, [`${m.spec.title}: ${(100 * accuracy(m)).toFixed(1)}% of ${sample.count}`]), confusionTable(confusion, classes)]);
      box.dataset.model = m.spec.name;
      box.dataset.accuracy = String(accuracy(m));
      return box;
    }),
  );

  const handle: PlaygroundHandle = {
    backend: info,
    models: loaded.map((m) => ({ name: m.spec.name, msSingle: m.msSingle, msBatched: m.msBatched, sampleAccuracy: accuracy(m) })),
    training: () => session,
  };
  window.playground = handle;

  let session: SideBySide | null = null;
  setUpTraining(sample, backendLine.split(';')[0], (s) => (session = s));
  redrawSheet();
  await show();
  document.body.dataset.state = 'ready';
}

function setUpTraining(sample: Split, backendLine: string, onSession: (s: SideBySide | null) => void): void {
  const trainSplit = slice(sample, 0, TRAIN_COUNT);
  const heldOut = slice(sample, TRAIN_COUNT, sample.count);
  const [startButton, pause, resume, reset] = ['train-start', 'train-pause', 'train-resume', 'train-reset'].map((id) => byId<HTMLButtonElement>(id));
  const status = byId('train-status');
  const table = byId<HTMLTableElement>('train-table');
  const number = (id: string, min: number, max: number, integer: boolean): number => {
    const field = byId<HTMLInputElement>(id);
    const v = Number(field.value);
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new RangeError(`${field.labels?.[0]?.textContent?.trim() ?? id}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${field.value}"`);
    }
    return v;
  };
  const width = () => Math.max(320, Math.min(560, (byId('train').clientWidth - 48) / 2));
  const makeCharts = () => {
    byId('chart-loss').replaceChildren();
    byId('chart-acc').replaceChildren();
    const loss = new uPlot(
      { width: width(), height: 240, scales: { x: { time: false } }, axes: [{ label: 'step' }, { label: 'loss' }], series: [{ label: 'step' }, ...MODELS.map((m, i) => ({ label: m.title, stroke: COLOURS[i], width: 1.5 }))] },
      [[], ...MODELS.map(() => [])],
      byId('chart-loss'),
    );
    const acc = new uPlot(
      {
        width: width(),
        height: 240,
        scales: { x: { time: false }, y: { range: [0, 1] } },
        axes: [{ label: 'epoch', incrs: [1, 2, 5, 10, 20, 50] }, { label: 'accuracy' }],
        series: [
          { label: 'epoch' },
          ...MODELS.flatMap((m, i) => [
            { label: `${m.title} train`, stroke: COLOURS[i], dash: [6, 4], width: 1.5 },
            { label: `${m.title} held out`, stroke: COLOURS[i], width: 2, points: { show: true } },
          ]),
        ],
      },
      [[], ...MODELS.flatMap(() => [[], []])],
      byId('chart-acc'),
    );
    return { loss, acc };
  };
  let charts = makeCharts();
  let session: SideBySide | null = null;
  let lastPaint = 0;

  const paint = (force = false) => {
    if (session === null) return;
    const now = performance.now();
    if (!force && now - lastPaint < 250) return;
    lastPaint = now;
    const runs = session.runs;
    const steps = Math.max(...runs.map((r) => r.batches.length));
    const x = Array.from({ length: steps }, (_, i) => i + 1);
    charts.loss.setData([x, ...runs.map((r) => x.map((_, i) => r.batches[i]?.loss ?? null))] as uPlot.AlignedData);
    const epochs = Math.max(...runs.map((r) => r.epochs.length));
    const ex = Array.from({ length: epochs }, (_, i) => i + 1);
    charts.acc.setData([ex, ...runs.flatMap((r) => [ex.map((_, i) => r.epochs[i]?.trainAcc ?? null), ex.map((_, i) => r.epochs[i]?.testAcc ?? null)])] as uPlot.AlignedData);
    table.replaceChildren(
      el('tr', {}, ['model', 'state', 'epochs', 'first loss', 'last loss', 'held-out accuracy', 'images/s'].map((h) => el('th', {}, [h]))),
      ...runs.map((r) => {
        const first = r.epochs[0]?.loss;
        const last = r.epochs[r.epochs.length - 1]?.loss;
        const row = el(
          'tr',
          {},
          [r.name, r.error === undefined ? r.state : `${r.state}: ${r.error}`, String(r.epochs.length), first?.toFixed(3) ?? '–', last?.toFixed(3) ?? '–', r.epochs.length === 0 ? '–' : `${(100 * (r.epochs[r.epochs.length - 1].testAcc ?? 0)).toFixed(1)}%`, r.imagesPerSec === 0 ? '–' : r.imagesPerSec.toFixed(0)].map((c) => el('td', {}, [c])),
        );
        Object.assign(row.dataset, { model: r.name, state: r.state, epochs: String(r.epochs.length) });
        if (first !== undefined && last !== undefined) Object.assign(row.dataset, { firstLoss: String(first), lastLoss: String(last) });
        return row;
      }),
    );
    const states = new Set(runs.map((r) => r.state));
    const overall = session.paused ? 'paused' : states.has('training') || states.has('waiting') ? 'training' : states.has('failed') ? 'failed' : states.has('stopped') ? 'stopped' : 'done';
    status.dataset.state = overall;
    status.textContent = `${overall === 'paused' ? 'Stopped (Resume continues where it stopped)' : overall[0].toUpperCase() + overall.slice(1)} on ${backendLine}: the two models take turns, one batch each.`;
    pause.disabled = overall !== 'training';
    resume.disabled = overall !== 'paused';
  };

  startButton.addEventListener('click', () => {
    try {
      const settings = { epochs: number('epochs', 1, 100, true), batchSize: number('batch', 1, TRAIN_COUNT, true), lr: number('lr', 1e-5, 1, false) };
      session?.stop();
      charts.loss.destroy();
      charts.acc.destroy();
      charts = makeCharts();
      session = trainSideBySide(MODELS, trainSplit, heldOut, settings, () => paint());
      onSession(session);
      const mine = session;
      startButton.textContent = 'Train again';
      reset.disabled = false;
      paint(true);
      void mine.finished.then(() => {
        if (session === mine) paint(true);
      });
    } catch (err) {
      status.textContent = err instanceof Error ? err.message : String(err);
      status.dataset.state = 'failed';
    }
  });
  // Forced paints: a paused run reports no progress that would repaint the buttons and the status.
  pause.addEventListener('click', () => {
    session?.pause();
    paint(true);
  });
  resume.addEventListener('click', () => {
    session?.resume();
    paint(true);
  });
  reset.addEventListener('click', () => {
    session?.stop();
    session = null;
    onSession(null);
    charts.loss.destroy();
    charts.acc.destroy();
    charts = makeCharts();
    table.replaceChildren();
    status.textContent = 'Not started.';
    status.dataset.state = 'idle';
    startButton.textContent = 'Train';
    pause.disabled = resume.disabled = reset.disabled = true;
  });
}

function fail(err: unknown): void {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const runtime = document.getElementById('runtime');
  if (runtime !== null) {
    runtime.textContent = message;
    runtime.classList.add('error');
  }
  document.body.dataset.state = 'failed';
  console.error(err);
}

start().catch(fail);
