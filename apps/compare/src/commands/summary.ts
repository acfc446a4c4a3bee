/**
 * `compare summary [MODEL...]` (old spelling `--summary MODEL`): the chapter's layer-by-layer table of
 * each model with a roofline reading, printed and written to summary.txt, and the roofline chart
 * (log-log, this device's roofs, every layer of every model at batch 1 and at its training batch) to
 * roofline.svg beside it.
 */
import { join } from 'node:path';
import { describeBackend } from '@zoo/backend';
import { FASHION_MNIST } from '@zoo/datasets';
import { describeModel, roofline, type Roofline } from '@zoo/analysis';
import { createModel, listModels } from '@zoo/models';
import type { AppIo } from '../app';
import { renderSvg, rooflineChart, rooflinePoints } from '../charts';
import { nominalRoofs } from '../device-roofs';
import { UsageError } from '../errors';
import { isFile, timestampName, userPath, writeFileAtomic } from '../files';
import type { ParsedCli } from '../options';
import { choosePreset, planRuns } from '../presets';
import { startBackend } from '../start-backend';
import { renderSummary } from '../summary';

export const SUMMARY_TXT = 'summary.txt';
export const ROOFLINE_SVG = 'roofline.svg';

/** Writes into `--out`, naming it in the error when it cannot; a training run's folder is not for this. */
async function writeOutputs(outDir: string, files: Record<string, string>): Promise<void> {
  if (await isFile(join(outDir, 'run.json'))) {
    throw new UsageError(`--out: got ${JSON.stringify(outDir)}, which holds a training run; expected a new folder or an earlier summary's`);
  }
  for (const [name, text] of Object.entries(files)) {
    try {
      await writeFileAtomic(join(outDir, name), text);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new UsageError(`--out: cannot write ${JSON.stringify(join(outDir, name))} (${e.code ?? e.message}); expected a folder this user can create and write`);
    }
  }
}

export async function summaryCommand(parsed: Extract<ParsedCli, { kind: 'run' }>, io: AppIo): Promise<number> {
  const options = parsed.options;
  const backend = await startBackend(options.backend);
  io.out(describeBackend(backend));
  const chosen = choosePreset(options.preset, backend);
  // Planned as a run would train them (their input size and training batch), once, now that the backend is known.
  const plan = planRuns({ models: options.summary ?? chosen.preset.models, preset: options.preset, batchSize: options.batchSize, resize: options.resize }, chosen, listModels());
  const roofs = nominalRoofs(backend, options);
  const device = { peakFlops: roofs.peakGflops * 1e9, memoryBandwidth: roofs.bandwidthGbs * 1e9 };
  const texts: string[] = [];
  const described: { model: string; batch: number; roofline: Roofline }[] = [];
  for (const spec of plan.runs) {
    // Described as the run would train it: one grey channel in, one output per Fashion-MNIST class.
    const model = createModel(spec.model, { inputSize: spec.inputSize, inChannels: 1, numClasses: FASHION_MNIST.classNames.length });
    try {
      const single = describeModel(model, [1, spec.inputSize, spec.inputSize, 1]);
      const batched = describeModel(model, [spec.batchSize, spec.inputSize, spec.inputSize, 1]);
      const singleRoofline = roofline(single, device);
      const batchedRoofline = roofline(batched, device);
      texts.push(renderSummary({ name: spec.model, inputSize: spec.inputSize, single, singleRoofline, batch: spec.batchSize, batched, batchedRoofline, roofs }));
      described.push({ model: spec.model, batch: 1, roofline: singleRoofline }, { model: spec.model, batch: spec.batchSize, roofline: batchedRoofline });
    } finally {
      model.dispose();
    }
  }
  const text = texts.join('\n\n');
  io.out(text);
  const outDir = userPath(options.out ?? join('runs', `summary-${timestampName()}`));
  await writeOutputs(outDir, { [SUMMARY_TXT]: `${text}\n`, [ROOFLINE_SVG]: await renderSvg(rooflineChart(rooflinePoints(described), roofs)) });
  io.out(`written: ${join(outDir, SUMMARY_TXT)} and the roofline chart ${join(outDir, ROOFLINE_SVG)}`);
  return 0;
}
