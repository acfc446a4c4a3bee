import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { MAX_SEED } from '@zoo/trainer';
import { UsageError } from './errors';

/** Named setups; `auto` becomes `d2l` on a GPU backend and `cpu` otherwise. */
export const PRESET_CHOICES = ['auto', 'd2l', 'cpu', 'quick'] as const;
export type PresetChoice = (typeof PRESET_CHOICES)[number];

/** What `--sweep` can vary, by flag name, and the field of a run it sets. */
export const SWEEP_PARAMS = { 'batch-size': 'batchSize', lr: 'lr' } as const;
export type SweepFlag = keyof typeof SWEEP_PARAMS;

export interface SweepSpec {
  flag: SweepFlag;
  values: number[];
}

/**
 * Everything the command line can say. A field left `undefined` was not given, so the preset decides
 * it; that distinction is also what `--resume` relies on to let new flags override the saved ones.
 */
export interface CliOptions {
  models?: string[];
  preset?: PresetChoice;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: string;
  momentum?: number;
  weightDecay?: number;
  resize?: number;
  limitTrain?: number;
  limitTest?: number;
  backend?: string;
  dataDir?: string;
  download?: boolean;
  seed?: number;
  out?: string;
  resume?: boolean;
  listModels?: boolean;
  summary?: string;
  sweep?: SweepSpec;
  peakGflops?: number;
  bandwidthGbs?: number;
  jobs?: number;
  isolation?: 'thread' | 'process';
}

export type ParsedCli = { kind: 'help' } | { kind: 'run'; options: CliOptions };

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('expected a positive integer.');
  }
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('expected a non-negative integer.');
  }
  return n;
}

/** The trainer's seed range, checked here so that a bad seed never gets as far as a run folder. */
function seedValue(value: string): number {
  const n = nonNegativeInt(value);
  if (n > MAX_SEED) throw new InvalidArgumentError(`expected an integer from 0 to ${MAX_SEED} (the trainer seeds a 32-bit generator).`);
  return n;
}

/**
 * The largest --resize: one batch of such images already takes hundreds of MB (64 x 1024 x 1024
 * floats are 256 MiB), and beyond it typed arrays and wasm's 4 GiB run out.
 */
export const MAX_RESIZE = 1024;

function resizeValue(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_RESIZE) throw new InvalidArgumentError(`expected at most ${MAX_RESIZE} (Fashion-MNIST is 28 px and AlexNet's input 224; a batch of larger images does not fit in memory).`);
  return n;
}

function pathValue(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a folder path.');
  return value;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number.');
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number >= 0.');
  return n;
}

function nameList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new InvalidArgumentError('expected comma-separated model names, e.g. lenet5,alexnet-mini.');
  return [...new Set(names)];
}

function sweepSpec(value: string): SweepSpec {
  const flags = Object.keys(SWEEP_PARAMS).join(' or ');
  const match = /^([a-z-]+)=(.+)$/.exec(value.trim());
  if (!match || !(match[1] in SWEEP_PARAMS)) {
    throw new InvalidArgumentError(`expected ${flags} followed by = and a comma-separated list, e.g. batch-size=32,64,128,256.`);
  }
  const flag = match[1] as SweepFlag;
  const parse = flag === 'lr' ? positiveNumber : positiveInt;
  const values = match[2].split(',').map((v) => {
    try {
      return parse(v);
    } catch {
      throw new InvalidArgumentError(`${flag} value '${v}' is not ${flag === 'lr' ? 'a positive number' : 'a positive integer'}.`);
    }
  });
  return { flag, values: [...new Set(values)] };
}

export function buildProgram(backendChoices: readonly string[]): Command {
  const program = new Command('compare')
    .usage('[options]   (run as: pnpm --filter compare start [options])')
    .description(
      'Train LeNet and AlexNet on Fashion-MNIST side by side (one worker thread per model), show live progress,\n' +
        'and write a report (report.json, report.md, report.html with learning curves and confusion matrices).',
    )
    .option('--models <names>', 'comma-separated models to train (see --list-models); default: the preset\'s', nameList)
    .addOption(
      new Option('--preset <name>', 'auto: d2l on a GPU backend, else cpu. d2l: the chapter\'s setup. cpu: about 10 minutes on 2 cores. quick: a one-minute smoke run')
        .choices(PRESET_CHOICES),
    )
    .option('--epochs <n>', 'epochs for every model (default: the preset\'s)', positiveInt)
    .option('--batch-size <n>', 'batch size for every model (default: the preset\'s per model)', positiveInt)
    .option('--lr <x>', 'learning rate for every model (default: the preset\'s per model)', positiveNumber)
    .addOption(new Option('--optimizer <name>', 'optimizer for every model (default: sgd)').choices(['sgd', 'momentum', 'adam']))
    .option('--momentum <x>', 'momentum, for --optimizer momentum (default 0.9)', nonNegativeNumber)
    .option('--weight-decay <x>', 'L2 weight decay (default 0)', nonNegativeNumber)
    .option('--resize <px>', `resize images to px x px for every model, up to ${MAX_RESIZE} (default: each model's input size)`, resizeValue)
    .option('--limit-train <n>', 'train on the first n training examples (default: the preset\'s)', positiveInt)
    .option('--limit-test <n>', 'evaluate on the first n test examples (default: the preset\'s)', positiveInt)
    .addOption(new Option('--backend <name>', 'TF.js backend (default: ZOO_BACKEND, else auto)').choices(backendChoices))
    .option('--data-dir <dir>', 'Fashion-MNIST directory (default: ZOO_DATA_DIR, /usr/share/datasets/fashion-mnist, or the cache)', pathValue)
    .option('--no-download', 'never download the data; fail if it is not on disk')
    .option('--seed <n>', `seed for initialisation and shuffling, 0 to ${MAX_SEED} (default 42)`, seedValue)
    .option('--out <dir>', 'where the report and checkpoints go: a new or empty folder (default: ./runs/<timestamp>)', pathValue)
    .option('--resume', 'continue the run in --out (default: the newest under ./runs) from its checkpoints')
    .option('--jobs <n>', 'models trained at once, one worker each (default: all of them)', positiveInt)
    .addOption(
      new Option('--isolation <kind>', 'what each model trains in (default: process for the native tensorflow and webgpu backends, thread otherwise)').choices([
        'thread',
        'process',
      ]),
    )
    .option('--list-models', 'list the models and exit')
    .option('--summary <model>', 'print the layer-by-layer table (shapes, parameters, FLOPs, memory) and roofline reading, then exit')
    .option('--peak-gflops <x>', 'nominal peak compute for --summary\'s roofline, GFLOP/s (default: estimated for this device)', positiveNumber)
    .option('--bandwidth-gbs <x>', 'nominal memory bandwidth for --summary\'s roofline, GB/s (default: stated per device)', positiveNumber)
    .option('--sweep <param=values>', 'train each model once per value and compare, e.g. batch-size=32,64,128,256 (also lr=…)', sweepSpec)
    .addHelpText(
      'after',
      `
Examples:
  pnpm --filter compare start                                    # auto preset: LeNet vs AlexNet
  pnpm --filter compare start --epochs 20                        # train longer
  pnpm --filter compare start --models lenet5,lenet5-relu,lenet5-dropout
  pnpm --filter compare start --sweep batch-size=32,64,128,256   # batch size vs speed, accuracy, memory
  pnpm --filter compare start --summary alexnet                  # shapes, memory, compute, roofline
  pnpm --filter compare start --resume --out runs/my-run         # continue after Ctrl-C

Bad input exits with status 2 and writes nothing.`,
    )
    .argument('[unexpected...]')
    .showSuggestionAfterError(true)
    .exitOverride();
  return program;
}

/**
 * `pnpm start -- --flag` hands us a literal `--` first; commander would read everything after it as
 * positional arguments, so it goes.
 */
export function stripLeadingDashDash(argv: readonly string[]): string[] {
  return argv[0] === '--' ? argv.slice(1) : [...argv];
}

export interface ParseIo {
  writeOut?: (text: string) => void;
}

/** Parses user arguments (no `node script` prefix). Throws `UsageError` with a one-line message. */
export function parseCli(argv: readonly string[], backendChoices: readonly string[], io: ParseIo = {}): ParsedCli {
  const program = buildProgram(backendChoices);
  program.configureOutput({
    writeOut: io.writeOut ?? ((text) => process.stdout.write(text)),
    // Errors surface as UsageError, printed once by the caller.
    writeErr: () => undefined,
    outputError: () => undefined,
  });
  try {
    program.parse(stripLeadingDashDash(argv), { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return { kind: 'help' };
      throw new UsageError(err.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').trim());
    }
    throw err;
  }
  if (program.args.length > 0) {
    throw new UsageError(`got unexpected argument ${JSON.stringify(program.args[0])}; expected only options (see --help)`);
  }
  const raw = program.opts<Record<string, unknown>>();
  const options: CliOptions = {};
  for (const [key, value] of Object.entries(raw)) {
    // `--no-download` makes commander default `download` to true; only an explicit flag counts.
    if (key === 'download' && program.getOptionValueSource('download') !== 'cli') continue;
    if (value !== undefined) (options as Record<string, unknown>)[key] = value;
  }
  checkCombinations(options);
  return { kind: 'run', options };
}

function checkCombinations(o: CliOptions): void {
  const modes = (['listModels', 'summary', 'sweep'] as const).filter((k) => o[k] !== undefined && o[k] !== false);
  const flag = { listModels: '--list-models', summary: '--summary', sweep: '--sweep' } as const;
  if (modes.length > 1) {
    throw new UsageError(`${flag[modes[0]]} and ${flag[modes[1]]}: got both; expected at most one of --list-models, --summary, --sweep`);
  }
  if (o.sweep?.flag === 'batch-size' && o.batchSize !== undefined) {
    throw new UsageError(`--batch-size: got ${o.batchSize} together with --sweep batch-size=…; expected one or the other`);
  }
  if (o.sweep?.flag === 'lr' && o.lr !== undefined) {
    throw new UsageError(`--lr: got ${o.lr} together with --sweep lr=…; expected one or the other`);
  }
  if (o.momentum !== undefined && o.optimizer !== undefined && o.optimizer !== 'momentum') {
    throw new UsageError(`--momentum: got ${o.momentum} with --optimizer ${o.optimizer}; expected --optimizer momentum`);
  }
}
