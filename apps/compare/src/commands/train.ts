/**
 * `compare train` (the default command) and, with `--sweep`'s values, `compare sweep`: plans the runs
 * once the backend is known, trains each model in its worker, and writes the report.
 */
import { constants as osConstants, cpus } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Table from 'cli-table3';
import { describeBackend, type BackendInfo } from '@zoo/backend';
import { ortProcessEnv } from '@zoo/backend/node';
import { listModels } from '@zoo/models';
import type { AppIo } from '../app';
import { writeSweepChart, sweepJobs } from './sweep';
import { loadData, shareSplit } from '../data';
import { UsageError } from '../errors';
import { latestRunDir, timestampName, userPath, writeFileAtomic } from '../files';
import { checkFlags, stripLeadingDashDash, type CliOptions, type ParsedCli } from '../options';
import { choosePreset, planRuns, checkAgainstData, type ModelFacts, type Plan, type RunSpec } from '../presets';
import { chooseIsolation } from '../isolation';
import { createProgressView, type ProgressView } from '../progress';
import { COMPARISON_HEADER, comparisonRows, describeRun, finalOf, sweepHeader, sweepRows, sweepTableRows, type ModelReport, type Report } from '../report';
import { renderHtml } from '../report-html';
import { renderMarkdown } from '../report-md';
import { runWorkers, threadsPerRun, type WorkerRun } from '../run-workers';
import { planAllReplicas } from '../replicas';
import { checkResume } from '../resume-check';
import { assertFreshFolder, lockRunFolder, sweepTempFiles } from '../run-folder';
import { startBackend } from '../start-backend';
import { writeReportViews } from '../views';
import type { WorkerInput } from '../worker-protocol';

/** What `run.json` holds: enough to plan the same run again for `--resume`. */
interface SavedRun {
  version: 1;
  createdAt: string;
  options: CliOptions;
}

/** The folder --resume continues: --out, or the newest run under ./runs. */
async function resumeDir(options: CliOptions): Promise<string> {
  const outDir = options.out !== undefined ? userPath(options.out) : await latestRunDir(userPath('runs'));
  if (outDir === undefined) throw new UsageError(`--resume: no run found under ${userPath('runs')}; expected --out DIR naming an earlier run's folder`);
  return outDir;
}

async function resolveResume(options: CliOptions, outDir: string): Promise<CliOptions> {
  let saved: SavedRun;
  try {
    saved = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8')) as SavedRun;
  } catch {
    throw new UsageError(`--resume: got ${JSON.stringify(outDir)}; expected a folder with the run.json an earlier run wrote`);
  }
  // Flags given now win over the saved ones: `--resume --epochs 20` trains an earlier run longer.
  const given = Object.fromEntries(Object.entries(options).filter(([k]) => k !== 'resume' && k !== 'out'));
  return { ...saved.options, ...given, resume: true };
}

function jobsFor(plan: Plan, options: CliOptions, backend: BackendInfo): number {
  if (options.jobs !== undefined) return options.jobs;
  return plan.mode === 'compare' ? plan.runs.length : sweepJobs(backend);
}

function toModelReport(run: WorkerRun): ModelReport {
  const { spec } = run.input;
  const { outcome } = run;
  const report: ModelReport = {
    name: spec.id,
    model: spec.model,
    spec,
    params: run.model?.params ?? NaN,
    flops: run.model?.flops ?? NaN,
    history: outcome.history,
    curve: outcome.curve,
    final: finalOf(outcome.history),
    wallSeconds: outcome.wallSeconds,
    peakMemoryBytes: outcome.peakMemoryBytes,
    status: outcome.status,
    replicas: run.input.replicas,
  };
  if (outcome.error) report.error = outcome.error;
  if (outcome.evaluation) report.evaluation = outcome.evaluation;
  if (outcome.savedModel) report.savedModel = outcome.savedModel;
  return report;
}

/** Each file is written whole or not at all, so an interrupted write never leaves half a report. */
async function writeReports(outDir: string, report: Report): Promise<void> {
  await writeFileAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFileAtomic(join(outDir, 'report.md'), renderMarkdown(report));
  await writeFileAtomic(join(outDir, 'report.html'), await renderHtml(report));
  if (report.sweep) await writeSweepChart(outDir, report);
}

function terminalTable(head: readonly string[], rows: readonly string[][]): string {
  // Names and shapes read from the left, numbers line up on the right.
  const table = new Table({ head: [...head], style: { head: [], border: [] }, colAligns: head.map((_, i) => (i === 0 ? 'left' : 'right')) });
  for (const row of rows) table.push(row);
  return table.toString();
}

function printTables(report: Report, io: AppIo): void {
  io.out('');
  io.out(terminalTable(COMPARISON_HEADER, comparisonRows(report)));
  if (report.sweep) io.out(terminalTable(sweepHeader(report.sweep.flag), sweepTableRows(report.sweep.rows)));
}

/**
 * Runs `train` (or `sweep`, whose values are in `options.sweep`); returns the exit status. `argv` is
 * the command line as typed, for the report's record of it.
 */
export async function trainCommand(parsed: Extract<ParsedCli, { kind: 'run' }>, argv: readonly string[], workerUrl: URL, io: AppIo): Promise<number> {
  let options = parsed.options;
  const facts: ModelFacts[] = listModels();
  const outDir = options.resume ? await resumeDir(options) : userPath(options.out ?? join('runs', timestampName()));
  if (options.resume) {
    options = await resolveResume(options, outDir);
    // The saved flags and today's together are checked as a new command line would be.
    checkFlags({ ...parsed, command: options.sweep ? 'sweep' : 'train', options }, facts);
  }

  // The folder is this run's from here on; one that cannot be written or is in use is refused now.
  const folder = await lockRunFolder(outDir);
  let written = false;
  try {
    if (!options.resume) await assertFreshFolder(outDir);
    const status = await withStopSignals(io, (stop) => trainAndReport(argv, options, facts, outDir, workerUrl, io, stop, () => (written = true)));
    await folder.release();
    return status;
  } catch (err) {
    // A run refused before it wrote anything (a plan the backend rules out included) leaves the disk as it found it.
    await folder.release({ discard: !written });
    throw err;
  }
}

/** A run's way to hear INT, TERM and HUP; `attach` hands it the progress view once there is one. */
interface StopSignal {
  signal: AbortSignal;
  attach(view: ProgressView): void;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Ends the process by `signal` itself, its default action (for Ctrl-C the shell's status 130), not by
 * process.exit: exit tears down the worker threads first, and ONNX Runtime's sessions in a worker
 * torn down mid-run abort the whole process (`Napi::Error`, SIGABRT, a core dump).
 */
function quitBy(signal: NodeJS.Signals): void {
  // What process.exit would run first, and a signal's death skips: the run folder's lock comes off.
  process.emit('exit', 128 + osConstants.signals[signal]);
  // With no listener left, Node gives the signal back its default action.
  for (const s of STOP_SIGNALS) process.removeAllListeners(s);
  process.kill(process.pid, signal);
}

/** How long after a stop signal another one still counts as the same stop (see {@link withStopSignals}). */
const SAME_STOP_MS = 1000;

/**
 * Runs `body` with INT (Ctrl-C), TERM (kill, pnpm, service managers) and HUP (a closed terminal)
 * stopping the run: the first asks every model to checkpoint and stop, and one that arrives before
 * the workers start means none starts; a second quits at once. Signals within
 * {@link SAME_STOP_MS} of the first are the same stop: a Ctrl-C in a terminal reaches both pnpm and
 * the run, and pnpm forwards it to the run again.
 */
async function withStopSignals<T>(io: AppIo, body: (stop: StopSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let view: ProgressView | undefined;
  let firstAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = performance.now();
    if (firstAt !== undefined && now - firstAt < SAME_STOP_MS) return;
    if (firstAt === undefined) {
      firstAt = now;
      const text = 'stopping: each model finishes its current batch and saves a checkpoint (Ctrl-C again quits without saving)';
      if (view) view.log(text);
      else io.out(text);
      controller.abort();
      return;
    }
    view?.stop();
    io.err('compare: quit without saving the batches in flight');
    quitBy(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    return await body({ signal: controller.signal, attach: (v) => (view = v) });
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}

async function trainAndReport(
  argv: readonly string[],
  options: CliOptions,
  facts: readonly ModelFacts[],
  outDir: string,
  workerUrl: URL,
  io: AppIo,
  stop: StopSignal,
  onWrite: () => void,
): Promise<number> {
  const backend = await startBackend(options.backend);
  io.out(describeBackend(backend));
  const chosen = choosePreset(options.preset, backend);
  const plan = planRuns(options, chosen, facts);
  io.out(`preset: ${plan.preset.name} (${chosen.reason}): ${plan.preset.summary}`);
  const { data, description: dataDescription } = await loadData(options);
  checkAgainstData(plan, data.train.count, data.test.count);
  io.out(`data: ${dataDescription}`);

  const checkpointDir = (spec: RunSpec) => join(outDir, 'checkpoints', spec.id);
  // A resume that cannot apply is refused here, before run.json or a report is touched.
  const points = options.resume ? await checkResume(plan.runs, checkpointDir, data.train.count) : undefined;
  if (options.resume) await sweepTempFiles(outDir);

  const jobs = jobsFor(plan, options, backend);
  const concurrent = Math.min(jobs, plan.runs.length);
  const threads = threadsPerRun(cpus().length, concurrent);
  // Before anything is written: an explicit --replicas that cannot apply is a usage error.
  const replicas = planAllReplicas(plan.runs, options.replicas, backend, threads, data.classNames.length);

  onWrite();
  const { resume: _resume, ...toSave } = options;
  const saved: SavedRun = { version: 1, createdAt: new Date().toISOString(), options: toSave };
  await writeFileAtomic(join(outDir, 'run.json'), `${JSON.stringify(saved, null, 2)}\n`);

  const isolation = chooseIsolation(backend, options.isolation, ortProcessEnv().tunables);
  io.out(
    `${options.resume ? 'resuming' : 'training'} ${plan.runs.length} run${plan.runs.length === 1 ? '' : 's'}, ` +
      `${concurrent} at a time (${isolation.why}); output: ${outDir}`,
  );
  const width = Math.max(...plan.runs.map((r) => r.id.length));
  for (const run of plan.runs) io.out(`  ${run.id.padEnd(width)}  ${describeRun(run)}`);
  for (const run of plan.runs) {
    const choice = replicas.get(run.id);
    if (choice !== undefined && choice.replicas > 1) io.out(`[${run.id}] data-parallel: ${choice.replicas} replicas of one thread (${choice.why})`);
  }
  for (const run of plan.runs) {
    if (points?.get(run.id) === null) {
      io.out(`[${run.id}] no complete checkpoint in ${checkpointDir(run)} (the earlier session stopped before its first one was written): training it from the beginning`);
    }
  }

  // Threads read one shared copy of the data; a child process gets its own through the IPC channel.
  const train = isolation.kind === 'thread' ? shareSplit(data.train) : data.train;
  const test = isolation.kind === 'thread' ? shareSplit(data.test) : data.test;
  // The choice that restarts this very backend in each worker (wasm + onnxruntime is 'onnxruntime', not 'wasm').
  const backendChoice = backend.choice;
  const inputs: WorkerInput[] = plan.runs.map((spec) => {
    const point = points?.get(spec.id);
    const input: WorkerInput = {
      spec,
      backend: backendChoice,
      threads,
      replicas: replicas.get(spec.id)?.replicas ?? 1,
      train,
      test,
      numClasses: data.classNames.length,
      checkpointDir: checkpointDir(spec),
      statePath: join(outDir, 'state', `${spec.id}.json`),
      legacyStatePath: `${checkpointDir(spec)}.state.json`,
      resume: options.resume === true,
    };
    if (point) input.resumeEpochs = point.position.epoch;
    return input;
  });

  const view = createProgressView();
  stop.attach(view);
  for (const run of plan.runs) view.add(run.id, run.epochs);
  let runs: WorkerRun[];
  try {
    runs = await runWorkers(inputs, { workerUrl, isolation: isolation.kind, concurrency: jobs, view, signal: stop.signal });
    for (const run of runs) {
      const o = run.outcome;
      view.note(run.input.spec.id, o.error ? `${o.status}: ${o.error}` : o.status);
    }
  } finally {
    view.stop();
  }

  const models = runs.map(toModelReport);
  const report: Report = {
    createdAt: new Date().toISOString(),
    command: ['pnpm --filter compare start', ...stripLeadingDashDash(argv)].join(' '),
    backend: { name: backend.name, device: backend.device, threads: backend.threads, description: describeBackend(backend) },
    preset: plan.preset.name,
    presetReason: chosen.reason,
    config: {
      mode: plan.mode,
      ...(plan.sweep ? { sweep: plan.sweep } : {}),
      runs: plan.runs,
      dataDir: data.source.dir,
      trainExamples: data.train.count,
      testExamples: data.test.count,
      jobs: concurrent,
    },
    classNames: data.classNames,
    models,
  };
  if (plan.sweep) report.sweep = { flag: plan.sweep.flag, rows: sweepRows(plan.sweep.flag, models) };
  // Drawn from the saved models, so a run finished after --resume gets the same pictures.
  // Pictures are extra: a failure to draw them (a full disk) costs them, not the report.
  try {
    const views = await writeReportViews(outDir, models, data.test, data.classNames);
    if (views) report.views = views;
  } catch (err) {
    io.out(`pictures of the models not drawn: ${(err as Error).message}`);
  }

  await writeReports(outDir, report);
  printTables(report, io);
  io.out(`report: ${join(outDir, 'report.html')} (also report.md, report.json)`);

  if (models.some((m) => m.status === 'interrupted')) {
    io.out(`interrupted: checkpoints are in ${join(outDir, 'checkpoints')}; continue with: pnpm --filter compare start --resume --out ${outDir}`);
    return 130;
  }
  return models.some((m) => m.status === 'failed') ? 1 : 0;
}
