/**
 * The GPU check: on the WebGPU backend, (1) gradients of the zoo's kernels against the cpu backend,
 * (2) training throughput of D2L's AlexNet at 224 px (batch 128) and LeNet-5 (batch 256) from
 * `@zoo/models`, timed with `@zoo/trainer`'s step, as the median of timed steps after warm-up,
 * compared with D2L's PyTorch figures. Writes gpu-check.json after every result.
 */
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend, type BackendInfo } from '@zoo/backend';
import { writeFileAtomic } from '@zoo/fs/node';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { checkGradient, gradientCases, type GradientResult } from './gradients';
import type { Options } from './options';
import { buildNetwork, D2L_EXAMPLES_PER_SECOND, D2L_PARAMETERS, dropoutMaskMs, measureTraining, type Network, type ThroughputResult } from './throughput';

export interface Report {
  tool: 'zoo gpu-check';
  startedAt: string;
  finishedAt?: string;
  quick: boolean;
  options: Omit<Options, 'out'>;
  host: { node: string; platform: string; arch: string; cpus: number; cpuModel: string; memoryGiB: number };
  vulkan: { icdFiles: string | null; icdSource: string | null; loader: string | null; nvidiaSmi: string | null };
  /** Shared libraries this process mapped once the backend ran: which Vulkan loader and driver it really used. */
  loadedLibraries?: string[];
  backend?: { line: string; info: BackendInfo };
  softwareAdapterWarning?: string;
  gradients: GradientResult[];
  throughput: ThroughputResult[];
  hostDropoutMaskMsPerStep?: number;
  verdict?: { gradientsOk: boolean; alexnetExamplesPerSecond?: number; alexnetAboveD2L?: boolean; comparableToD2L: boolean };
  error?: string;
}

/** The GPU-related shared objects mapped into this process (Linux only). */
function loadedLibraries(): string[] {
  if (!existsSync('/proc/self/maps')) return [];
  const paths = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((line) => line.split(/\s+/).slice(5).join(' '))
    .filter((path) => /vulkan|nvidia|lvp|dawn|libstdc\+\+|libc\.so|ld-linux/i.test(path));
  return [...new Set(paths)].sort();
}

/**
 * Runs the check and writes `gpu-check.json` into `options.out` as it goes (replaced whole each
 * time, so a reader never sees half a file). Exit status: 0 when the gradients agree, 1 when one
 * does not, 2 when the backend could not start or the check broke (the report's `error` says why).
 */
export async function runCheck(options: Options, env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (line) => console.log(`gpu-check: ${line}`)): Promise<{ report: Report; file: string; code: number }> {
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const file = join(out, 'gpu-check.json');
  const { out: _out, ...recorded } = options;
  const report: Report = {
    tool: 'zoo gpu-check',
    startedAt: new Date().toISOString(),
    quick: options.quick,
    options: recorded,
    host: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    },
    vulkan: {
      icdFiles: env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? null,
      icdSource: env.ZOO_GPU_CHECK_ICD_SOURCE ?? null,
      loader: env.ZOO_GPU_CHECK_LOADER ?? null,
      nvidiaSmi: env.ZOO_GPU_CHECK_NVIDIA_SMI ?? null,
    },
    gradients: [],
    throughput: [],
  };
  const save = (): Promise<void> => writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);

  try {
    const info = await initBackend({ backend: options.backend });
    report.backend = { line: describeBackend(info), info };
    report.loadedLibraries = loadedLibraries();
    log(report.backend.line);
    if (info.adapter?.software) {
      report.softwareAdapterWarning = `'${info.adapter.description}' is a software rasteriser: these are CPU figures, not a GPU's`;
      log(`warning: ${report.softwareAdapterWarning}`);
    }
    for (const [name, value] of Object.entries(options.flags)) tf.env().set(name, value);
    await save();

    if (options.gradients) {
      for (const [i, c] of gradientCases(options.quick).entries()) {
        const result = await checkGradient(c, 100 + i, info.name);
        report.gradients.push(result);
        log(`gradient ${result.ok ? 'ok  ' : 'FAIL'} ${result.maxScaledError.toExponential(2)}  ${c.name}`);
        await save();
      }
    }

    if (options.throughput) {
      await tf.setBackend(info.name);
      report.hostDropoutMaskMsPerStep = dropoutMaskMs(options.alexnetBatch, Math.round(4096 * options.alexnetWidth));
      const runs: Array<[name: Network, batch: number, lr: number, size: number, width: number]> = [
        ['alexnet', options.alexnetBatch, 0.01, options.alexnetSize, options.alexnetWidth],
        ['lenet5', options.lenetBatch, 0.9, 28, 1],
      ];
      for (const [name, batch, learningRate, size, width] of runs) {
        const model = buildNetwork(name, size, width);
        const result = await measureTraining(name, model, { batch, learningRate, warmup: options.warmup, steps: options.steps, width });
        model.dispose();
        report.throughput.push(result);
        log(
          `${name}: ${result.examplesPerSecond} examples/s (median ${result.medianStepMs} ms/step over ${result.stepMs.length} steps, ` +
            `batch ${batch}, ${result.inputSize} px, ${result.parameters} parameters; D2L PyTorch ${result.d2lPyTorchExamplesPerSecond})`,
        );
        await save();
      }
    }

    const alexnet = report.throughput.find((t) => t.model === 'alexnet');
    const comparable =
      alexnet !== undefined && alexnet.parameters === D2L_PARAMETERS.alexnet && alexnet.batch === 128 && info.device === 'gpu';
    report.verdict = {
      gradientsOk: report.gradients.every((g) => g.ok),
      alexnetExamplesPerSecond: alexnet?.examplesPerSecond,
      alexnetAboveD2L: comparable ? alexnet.examplesPerSecond > D2L_EXAMPLES_PER_SECOND.alexnet : undefined,
      comparableToD2L: comparable,
    };
    const lenet = report.throughput.find((t) => t.model === 'lenet5');
    if (lenet && lenet.parameters !== D2L_PARAMETERS.lenet5) throw new Error(`LeNet-5 has ${lenet.parameters} parameters, D2L's has ${D2L_PARAMETERS.lenet5}`);
  } catch (err) {
    report.error = String((err as Error)?.stack ?? err);
    log(`error: ${String((err as Error)?.message ?? err)}`);
  }
  report.finishedAt = new Date().toISOString();
  await save();
  log(`wrote ${file}`);
  return { report, file, code: report.error ? 2 : report.verdict?.gradientsOk ? 0 : 1 };
}
