import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { certainModels, type ModelFacts } from './presets';
import { MAX_SEED } from '@zoo/trainer';
import { badValue, UsageError } from './errors';

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
  /** The models `summary` describes. */
  summary?: string[];
  sweep?: SweepSpec;
  peakGflops?: number;
  bandwidthGbs?: number;
  jobs?: number;
  isolation?: 'thread' | 'process';
  /** Data-parallel replicas per model, or `auto` (the backend's rule); absent means auto. */
  replicas?: number | 'auto';
}

/** The subcommands; `train` is the default. */
export const COMMANDS = ['train', 'sweep', 'summary', 'models', 'classify'] as const;
export type CommandName = (typeof COMMANDS)[number];

export type ParsedCli =
  | { kind: 'help' }
  /** `alias` is the old flag spelling the command was given in, to name it in errors. */
  | { kind: 'run'; command: Exclude<CommandName, 'classify'>; options: CliOptions; alias?: string }
  /** classify parses its own arguments (see classify.ts). */
  | { kind: 'classify'; argv: string[] };

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('expected a positive integer.');
  }
  return n;
}

function replicasValue(value: string): number | 'auto' {
  return value.trim() === 'auto' ? 'auto' : positiveInt(value);
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

/** The flags of a training run, shared by `train` and `sweep`. */
function addTrainOptions(command: Command, backendChoices: readonly string[]): Command {
  return command
    .option('--models <names>', "comma-separated models to train (see `compare models`); default: the preset's", nameList)
    .addOption(
      new Option('--preset <name>', "auto: d2l on a GPU backend, else cpu. d2l: the chapter's setup. cpu: about 10 minutes on 2 cores. quick: a one-minute smoke run")
        .choices(PRESET_CHOICES),
    )
    .option('--epochs <n>', "epochs for every model (default: the preset's)", positiveInt)
    .option('--batch-size <n>', "batch size for every model (default: the preset's per model)", positiveInt)
    .option('--lr <x>', "learning rate for every model (default: the preset's per model)", positiveNumber)
    .addOption(new Option('--optimizer <name>', 'optimizer for every model (default: sgd)').choices(['sgd', 'momentum', 'adam']))
    .option('--momentum <x>', 'momentum, for --optimizer momentum (default 0.9)', nonNegativeNumber)
    .option('--weight-decay <x>', 'L2 weight decay (default 0)', nonNegativeNumber)
    .option('--resize <px>', `resize images to px x px for every model, up to ${MAX_RESIZE} (default: each model's input size)`, resizeValue)
    .option('--limit-train <n>', "train on the first n training examples (default: the preset's)", positiveInt)
    .option('--limit-test <n>', "evaluate on the first n test examples (default: the preset's)", positiveInt)
    .addOption(new Option('--backend <name>', 'TF.js backend (default: ZOO_BACKEND, else auto)').choices(backendChoices))
    .option('--data-dir <dir>', 'Fashion-MNIST directory (default: ZOO_DATA_DIR, /usr/share/datasets/fashion-mnist, or the cache)', pathValue)
    .option('--no-download', 'never download the data; fail if it is not on disk')
    .option('--seed <n>', `seed for initialisation and shuffling, 0 to ${MAX_SEED} (default 42)`, seedValue)
    .option('--out <dir>', 'where the report and checkpoints go: a new or empty folder (default: ./runs/<timestamp>)', pathValue)
    .option('--resume', 'continue the run in --out (default: the newest under ./runs) from its checkpoints')
    .option('--jobs <n>', 'models trained at once, one worker each (default: all of them)', positiveInt)
    .option(
      '--replicas <n>',
      "data-parallel replicas per model, one backend thread each, or auto: on onnxruntime, small models (LeNet, alexnet-mini) split over the model's threads (default auto; 1: none)",
      replicasValue,
    )
    .addOption(
      new Option('--isolation <kind>', 'what each model trains in (default: process for the native tensorflow and webgpu backends and, on glibc Linux, for onnxruntime; thread otherwise)').choices([
        'thread',
        'process',
      ]),
    );
}

const ALIASES_HELP = `
Old spellings, still accepted: --list-models (= models), --summary MODEL[,MODEL] (= summary MODEL...),
--sweep PARAM=VALUES (= sweep PARAM=VALUES).`;

/**
 * The command line: `train` (the default, so \`pnpm --filter compare start\` alone trains), `sweep`,
 * `summary`, `models` and `classify`. Each action only records what was asked; {@link parseCli} returns it.
 */
export function buildProgram(
  backendChoices: readonly string[],
  chosen: (name: Exclude<CommandName, 'classify'>, command: Command) => void = () => undefined,
  sweepName = 'sweep',
): Command {
  const program = new Command('compare')
    .usage('[command] [options]   (run as: pnpm --filter compare start [command] [options])')
    .description(
      'Train LeNet and AlexNet on Fashion-MNIST side by side (one worker per model), show live progress,\n' +
        'and write a report (report.json, report.md, report.html with learning curves, confusion matrices, filters and feature maps).',
    )
    .showSuggestionAfterError(true)
    .exitOverride();
  const train = addTrainOptions(program.command('train', { isDefault: true }).description('train the models and write the report (the default command)'), backendChoices)
    .argument('[unexpected...]')
    .action(function (this: Command) {
      chosen('train', this);
    });
  addTrainOptions(
    program.command('sweep').description('train each model once per value and compare speed, accuracy and memory, e.g. sweep batch-size=32,64,128,256 (also lr=…)'),
    backendChoices,
  )
    .argument('<param=values>', 'batch-size=… or lr=…, a comma-separated list', (value: string) => {
      try {
        return sweepSpec(value);
      } catch (err) {
        // Named as it was typed: `--sweep` in the old spelling, `sweep` in the new.
        throw new UsageError(`${sweepName}: got '${value}'; ${(err as Error).message}`);
      }
    })
    .action(function (this: Command) {
      chosen('sweep', this);
    });
  const summary = program
    .command('summary')
    .description("print each model's layer-by-layer table (shapes, parameters, FLOPs, memory) and roofline reading; write summary.txt and roofline.svg")
    .argument('[models...]', "models to describe (default: the preset's)")
    .addOption(new Option('--preset <name>', 'whose training batch size and models to use').choices(PRESET_CHOICES))
    .option('--batch-size <n>', "the training batch the second roofline column is for (default: the preset's per model)", positiveInt)
    .option('--resize <px>', `describe the models at px x px, up to ${MAX_RESIZE} (default: each model's input size)`, resizeValue)
    .option('--peak-gflops <x>', "nominal peak compute for the roofline, GFLOP/s (default: estimated for this device)", positiveNumber)
    .option('--bandwidth-gbs <x>', 'nominal memory bandwidth for the roofline, GB/s (default: stated per device)', positiveNumber)
    .addOption(new Option('--backend <name>', 'TF.js backend whose device the roofs are of (default: ZOO_BACKEND, else auto)').choices(backendChoices))
    .option('--out <dir>', 'where summary.txt and roofline.svg go (default: ./runs/summary-<timestamp>)', pathValue)
    .action(function (this: Command) {
      chosen('summary', this);
    });
  program
    .command('models')
    .description('list the models with their sizes and training recipes')
    .action(function (this: Command) {
      chosen('models', this);
    });
  // Listed here for the help; its arguments go to classify.ts's own parser.
  program.command('classify').description('top-k Fashion-MNIST classes of PNG/JPEG files: classify IMAGE... --model NAME | --run DIR (see classify --help)');
  program.addHelpText(
    'after',
    () =>
      `${ALIASES_HELP}\n\n` +
      `train (the default) takes:\n${train.helpInformation().replace(/^Usage:.*\n/, '')}\n` +
      `summary takes:\n${summary.helpInformation().replace(/^Usage:.*\n/, '')}\n` +
      `sweep takes the options of train.

Examples:
  pnpm --filter compare start                                    # auto preset: LeNet vs AlexNet
  pnpm --filter compare start --epochs 20                        # train longer
  pnpm --filter compare start --models lenet5,lenet5-relu,lenet5-dropout
  pnpm --filter compare start sweep batch-size=32,64,128,256     # batch size vs speed, accuracy, memory
  pnpm --filter compare start summary lenet5 alexnet             # shapes, memory, compute, roofline
  pnpm --filter compare start models                             # the model table
  pnpm --filter compare start --resume --out runs/my-run         # continue after Ctrl-C

Bad input exits with status 2 and writes nothing.`,
  );
  return program;
}

/**
 * `pnpm start -- --flag` hands us a literal `--` first; commander would read everything after it as
 * positional arguments, so it goes.
 */
export function stripLeadingDashDash(argv: readonly string[]): string[] {
  return argv[0] === '--' ? argv.slice(1) : [...argv];
}

/** The old flag spellings of the commands, as commands: `--summary alexnet` is `summary alexnet`. */
const ALIAS_FLAGS = { '--list-models': 'models', '--summary': 'summary', '--sweep': 'sweep' } as const;

/**
 * Rewrites the old spellings (`--list-models`, `--summary MODEL`, `--sweep P=V`) as their commands, so
 * that the README's and old scripts' command lines keep working. Only where no command is named.
 */
export function rewriteAliases(argv: readonly string[]): { argv: string[]; alias?: string } {
  if (argv.length > 0 && (COMMANDS as readonly string[]).includes(argv[0])) return { argv: [...argv] };
  const found = argv.map((a, i) => ({ flag: a.split('=')[0], i })).filter((a) => a.flag in ALIAS_FLAGS);
  const flags = [...new Set(found.map((f) => f.flag))];
  if (flags.length > 1) {
    throw new UsageError(`${flags[0]} and ${flags[1]}: got both; expected at most one of --list-models, --summary, --sweep`);
  }
  if (found.length === 0) return { argv: [...argv] };
  if (found.length > 1) throw new UsageError(`${flags[0]}: given ${found.length} times; expected it once`);
  const { flag, i } = found[0];
  const command = ALIAS_FLAGS[flag as keyof typeof ALIAS_FLAGS];
  const rest = [...argv];
  const inline = argv[i].includes('=') && flag !== '--list-models' ? [argv[i].slice(flag.length + 1)] : undefined;
  if (flag === '--list-models') {
    rest.splice(i, 1);
    return { argv: [command, ...rest], alias: flag };
  }
  const value = inline ?? (i + 1 < argv.length && !argv[i + 1].startsWith('--') ? [argv[i + 1]] : undefined);
  if (value === undefined) throw new UsageError(`${flag}: got no value; expected ${flag === '--summary' ? 'a model name' : 'PARAM=VALUES, e.g. batch-size=32,64,128,256'}`);
  rest.splice(i, inline ? 1 : 2);
  const values = flag === '--summary' ? value[0].split(',').map((v) => v.trim()) : value;
  return { argv: [command, ...values, ...rest], alias: flag };
}

export interface ParseIo {
  writeOut?: (text: string) => void;
}

/** Parses user arguments (no `node script` prefix). Throws `UsageError` with a one-line message. */
export function parseCli(argv: readonly string[], backendChoices: readonly string[], io: ParseIo = {}): ParsedCli {
  const stripped = stripLeadingDashDash(argv);
  if (stripped[0] === 'classify') return { kind: 'classify', argv: stripped.slice(1) };
  const { argv: args, alias } = rewriteAliases(stripped);
  let picked: { name: Exclude<CommandName, 'classify'>; command: Command } | undefined;
  const program = buildProgram(backendChoices, (name, command) => (picked = { name, command }), alias === '--sweep' ? alias : 'sweep');
  program.configureOutput({
    writeOut: io.writeOut ?? ((text) => process.stdout.write(text)),
    // Errors surface as UsageError, printed once by the caller.
    writeErr: () => undefined,
    outputError: () => undefined,
  });
  for (const sub of program.commands) sub.configureOutput(program.configureOutput()).exitOverride();
  try {
    program.parse(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return { kind: 'help' };
      throw new UsageError(err.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').trim());
    }
    throw err;
  }
  if (picked === undefined) throw new UsageError('expected a command: train, sweep, summary, models or classify (see --help)');
  const { name, command } = picked;
  if (name === 'train' && command.args.length > 0) {
    throw new UsageError(`got unexpected argument ${JSON.stringify(command.args[0])}; expected a command (sweep, summary, models, classify) or only options (see --help)`);
  }
  const raw = command.opts<Record<string, unknown>>();
  const options: CliOptions = {};
  for (const [key, value] of Object.entries(raw)) {
    // `--no-download` makes commander default `download` to true; only an explicit flag counts.
    if (key === 'download' && command.getOptionValueSource('download') !== 'cli') continue;
    if (value !== undefined) (options as Record<string, unknown>)[key] = value;
  }
  if (name === 'sweep') options.sweep = command.processedArgs[0] as SweepSpec;
  if (name === 'summary' && (command.processedArgs[0] as string[]).length > 0) options.summary = [...new Set(command.processedArgs[0] as string[])];
  checkCombinations(options);
  return alias === undefined ? { kind: 'run', command: name, options } : { kind: 'run', command: name, options, alias };
}

function checkCombinations(o: CliOptions): void {
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

/**
 * Checks the flags against the model registry, before any backend starts or anything is written: the
 * models named exist, and `--resize` and `--momentum` fit every model that will certainly train (those
 * named, or those every preset `auto` can become trains; for `--resume`, once its saved flags are
 * read). Pure; the plan made once the backend is known checks the rest, still before anything is written.
 */
export function checkFlags(parsed: Extract<ParsedCli, { kind: 'run' }>, facts: readonly ModelFacts[]): void {
  const { command, options: o } = parsed;
  const known = new Map(facts.map((f) => [f.name, f]));
  const expected = `one of ${facts.map((f) => f.name).join(', ')}`;
  for (const name of o.summary ?? []) {
    if (!known.has(name)) throw badValue(parsed.alias === '--summary' ? '--summary' : 'summary', name, expected);
  }
  for (const name of o.models ?? []) {
    if (!known.has(name)) throw badValue('--models', name, expected);
  }
  // A resume's models are those of its run.json: checked again once the saved flags are read.
  if (o.resume && o.models === undefined) return;
  const names = (command === 'summary' ? o.summary : o.models) ?? certainModels(o.preset, command === 'sweep' ? 'sweep' : 'compare');
  for (const name of names) {
    const model = known.get(name);
    if (model === undefined) continue;
    const inputSize = o.resize ?? model.inputSize;
    if (inputSize < model.minInputSize) {
      throw badValue('--resize', inputSize, `at least ${model.minInputSize} for ${model.name} (its strides and pooling shrink a smaller image to nothing)`);
    }
    const optimizer = o.optimizer ?? model.training.optimizer;
    if (o.momentum !== undefined && optimizer !== 'momentum') {
      throw badValue('--momentum', o.momentum, `--optimizer momentum with it (${model.name} trains with ${optimizer}, which has no momentum)`);
    }
  }
}
