/**
 * `compare classify IMAGE... --model NAME | --run DIR`: top-k Fashion-MNIST classes of PNG/JPEG
 * files, with the shipped weights of a model or the model a compare run saved.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { BACKEND_CHOICES, BackendUnavailableError, initBackend, type BackendChoice } from '@zoo/backend';
import { isModelName, MANIFEST_JSON, MODEL_NAMES, PRETRAINED_MODELS, WeightsError, type ModelName, type Pretrained } from '@zoo/models';
import { loadPretrained } from '@zoo/models/node';
import type { AppIo } from '../app';
import { UsageError } from '../errors';
import { userPath } from '../files';

interface ClassifyOptions {
  model?: string;
  run?: string;
  topK: number;
  backend?: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

function program(): Command {
  return new Command('compare classify')
    .usage('IMAGE... (--model NAME | --run DIR) [options]   (run as: pnpm --filter compare start classify ...)')
    .description('Print the top-k Fashion-MNIST classes of PNG or JPEG images, with shipped weights (--model) or a compare run\'s model (--run).')
    .argument('<images...>', 'PNG or JPEG files')
    .option('--model <name>', `model with shipped weights (${PRETRAINED_MODELS.join(', ')}); with --run, which of the run's models`)
    .option('--run <dir>', "a compare run's folder (its models/<name>/ holds each trained model)")
    .option('--top-k <n>', 'classes to print per image', positiveInt, 3)
    .addOption(new Option('--backend <name>', 'TF.js backend (default: ZOO_BACKEND, else auto)').choices(BACKEND_CHOICES))
    .addHelpText('after', '\nExamples:\n  pnpm --filter compare start classify shirt.png boot.jpg --model alexnet-mini\n  pnpm --filter compare start classify shirt.png --run runs/2026-01-31T12-00-00 --model lenet5')
    .exitOverride();
}

/** The folder of the run's model to use: the one named by --model, or the only one. */
async function runModelDir(runDir: string, model: string | undefined): Promise<string> {
  const modelsDir = join(runDir, 'models');
  const names = await readdir(modelsDir).catch(() => undefined);
  if (names === undefined) throw new UsageError(`--run: got ${JSON.stringify(runDir)}, which has no models/ folder; expected the folder of a finished compare run`);
  const saved = names.filter((n) => !n.startsWith('.')).sort();
  if (model !== undefined) {
    if (!saved.includes(model)) throw new UsageError(`--model: got ${JSON.stringify(model)}; expected one of the run's models: ${saved.join(', ') || '(none saved)'}`);
    return join(modelsDir, model);
  }
  if (saved.length !== 1) throw new UsageError(`--run: the run saved ${saved.length} models (${saved.join(', ') || 'none'}); expected --model to pick one`);
  return join(modelsDir, saved[0]);
}

/** Which weights to load, checked before the backend starts so that a bad flag fails at once. */
async function chooseWeights(options: ClassifyOptions): Promise<{ name: ModelName; weightsPath?: string }> {
  if (options.run !== undefined) {
    const dir = await runModelDir(userPath(options.run), options.model);
    const manifestFile = join(dir, MANIFEST_JSON);
    let name: unknown;
    try {
      name = (JSON.parse(await readFile(manifestFile, 'utf8')) as { model?: unknown }).model;
    } catch (err) {
      throw new UsageError(`${manifestFile}: cannot read the model's manifest (${(err as Error).message})`);
    }
    if (typeof name !== 'string' || !isModelName(name)) throw new UsageError(`${manifestFile}: model must be one of ${MODEL_NAMES.join(', ')}; got ${JSON.stringify(name)}`);
    return { name, weightsPath: dir };
  }
  const model = options.model;
  if (model === undefined) throw new UsageError(`classify: expected --model NAME (${PRETRAINED_MODELS.join(', ')}) or --run DIR`);
  if (!isModelName(model) || !PRETRAINED_MODELS.includes(model)) {
    throw new UsageError(`--model: got ${JSON.stringify(model)}; expected a model with shipped weights: ${PRETRAINED_MODELS.join(', ')} (or --run DIR for a run's own model)`);
  }
  return { name: model };
}

/** Why a file cannot be read, in a few words. */
function readError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, expected a PNG or JPEG file';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}

/** Runs `classify`; returns the exit status: 0, 1 if some file could not be classified, 2 for bad flags. */
export async function classifyCommand(argv: readonly string[], io: AppIo): Promise<number> {
  const cli = program();
  cli.configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: () => undefined, outputError: () => undefined });
  try {
    cli.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return 0;
      throw new UsageError(`classify: ${err.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').trim()}`);
    }
    throw err;
  }
  const options = cli.opts<ClassifyOptions>();
  const files = cli.args;
  const { name, weightsPath } = await chooseWeights(options);
  try {
    await initBackend(options.backend === undefined ? {} : { backend: options.backend as BackendChoice });
  } catch (err) {
    if (err instanceof BackendUnavailableError) throw new UsageError(`--backend: ${err.message}`);
    throw err;
  }
  let pretrained: Pretrained;
  try {
    pretrained = await loadPretrained(name, weightsPath === undefined ? {} : { weightsPath });
  } catch (err) {
    if (err instanceof WeightsError || err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  let failed = 0;
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(userPath(file));
    } catch (err) {
      io.err(`compare: ${file}: ${readError(err)}`);
      failed++;
      continue;
    }
    try {
      const top = await pretrained.classify(bytes, { topK: options.topK });
      io.out(`${file}: ${top.map((c) => `${c.className} ${c.probability.toFixed(3)}`).join(', ')}`);
    } catch (err) {
      // The decoder's message starts with the name it was given; give it the file's.
      io.err(`compare: ${file}: ${(err as Error).message.replace(/^classify\(input\):\s*/, '')}`);
      failed++;
    }
  }
  pretrained.model.dispose();
  return failed > 0 ? 1 : 0;
}
