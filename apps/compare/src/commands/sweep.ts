/**
 * `compare sweep PARAM=VALUES` (old spelling `--sweep PARAM=VALUES`): one run per model and value,
 * trained as `train` trains, compared in a table and a chart of throughput, accuracy and memory.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { BackendInfo } from '@zoo/backend';
import type { AppIo } from '../app';
import { renderSvg, SWEEP_SVG, sweepChart } from '../charts';
import { writeFileAtomic } from '../files';
import type { ParsedCli } from '../options';
import type { Report } from '../report';
import { trainCommand } from './train';

/** Runs the sweep; `parsed.options.sweep` holds the values (parseCli puts them there). */
export function sweepCommand(parsed: Extract<ParsedCli, { kind: 'run' }>, argv: readonly string[], workerUrl: URL, io: AppIo): Promise<number> {
  return trainCommand(parsed, argv, workerUrl, io);
}

/** Runs at once: a sweep compares speeds, so runs must not fight over the device more than it has room for. */
export function sweepJobs(backend: Pick<BackendInfo, 'device' | 'threads'>): number {
  if (backend.device === 'gpu') return 1;
  return Math.max(1, Math.floor(cpus().length / Math.max(1, backend.threads)));
}

/** Writes the sweep's chart as its own SVG file, for report.md (report.html has it inline). */
export async function writeSweepChart(outDir: string, report: Report): Promise<void> {
  const spec = sweepChart(report);
  if (spec) await writeFileAtomic(join(outDir, SWEEP_SVG), await renderSvg(spec));
}
