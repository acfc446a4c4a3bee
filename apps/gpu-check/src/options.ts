/** The check's command line: what run.sh passes on, checked before anything starts. */
/** The backends the check can compare with cpu (webgpu is the point; the others test the check). */
export const BACKENDS = ['webgpu', 'wasm', 'onnxruntime', 'tensorflow'] as const;

export interface Options {
  quick: boolean;
  out: string;
  /** The backend checked against cpu and timed: webgpu, unless the check itself is being tested. */
  backend: (typeof BACKENDS)[number];
  flags: Record<string, number | boolean>;
  warmup: number;
  steps: number;
  alexnetBatch: number;
  alexnetSize: number;
  alexnetWidth: number;
  lenetBatch: number;
  gradients: boolean;
  throughput: boolean;
}

export const USAGE = `usage: run.sh [--quick] [--out DIR] [--flag NAME=VALUE]... [--warmup N] [--steps N]
              [--alexnet-batch N] [--alexnet-size PX] [--lenet-batch N] [--no-gradients] [--no-throughput]
              [--backend NAME] [--icd FILE|lavapipe]
  --quick        tiny sizes (a software adapter's smoke test): AlexNet at 67 px, 1/4 width, batch 4
  --out DIR      where gpu-check.json goes (default: $OUT, else the current directory)
  --flag N=V     a TF.js environment flag, e.g. WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=32
  --backend B    the backend checked against cpu (default webgpu; wasm tests the check itself)
  --icd FILE     (run.sh) the Vulkan driver manifest to use, or 'lavapipe' for Mesa's software one`;

/** Parses the check's arguments (run.sh has taken out --icd); `env` gives $OUT, `cwd` the default folder. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Options {
  const quick = argv.includes('--quick');
  const options: Options = {
    quick,
    out: env.OUT || cwd,
    backend: 'webgpu',
    flags: {},
    warmup: quick ? 1 : 5,
    steps: quick ? 3 : 20,
    alexnetBatch: quick ? 4 : 128,
    alexnetSize: quick ? 67 : 224,
    alexnetWidth: quick ? 0.25 : 1,
    lenetBatch: quick ? 16 : 256,
    gradients: true,
    throughput: true,
  };
  const positiveInt = (name: string, value: string | undefined): number => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n <= 0) throw new RangeError(`${name}: expected a positive integer, received '${value ?? ''}'\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string | undefined => argv[++i];
    switch (arg) {
      case '--quick':
        break;
      case '--out': {
        const dir = value();
        if (!dir) throw new RangeError(`--out: expected a folder\n${USAGE}`);
        options.out = dir;
        break;
      }
      case '--backend': {
        const name = value();
        if (!BACKENDS.includes(name as Options['backend'])) {
          throw new RangeError(`--backend: expected one of ${BACKENDS.join(', ')}, received '${name ?? ''}'\n${USAGE}`);
        }
        options.backend = name as Options['backend'];
        break;
      }
      case '--flag': {
        const raw = value() ?? '';
        const eq = raw.indexOf('=');
        const name = raw.slice(0, eq);
        const text = raw.slice(eq + 1);
        if (eq <= 0 || text === '') throw new RangeError(`--flag: expected NAME=VALUE, received '${raw}'\n${USAGE}`);
        const number = Number(text);
        if (text !== 'true' && text !== 'false' && !Number.isFinite(number)) {
          throw new RangeError(`--flag ${name}: expected true, false or a number, received '${text}'\n${USAGE}`);
        }
        options.flags[name] = text === 'true' ? true : text === 'false' ? false : number;
        break;
      }
      case '--warmup':
        options.warmup = positiveInt(arg, value());
        break;
      case '--steps':
        options.steps = positiveInt(arg, value());
        break;
      case '--alexnet-batch':
        options.alexnetBatch = positiveInt(arg, value());
        break;
      case '--alexnet-size':
        options.alexnetSize = positiveInt(arg, value());
        break;
      case '--lenet-batch':
        options.lenetBatch = positiveInt(arg, value());
        break;
      case '--no-gradients':
        options.gradients = false;
        break;
      case '--no-throughput':
        options.throughput = false;
        break;
      default:
        throw new RangeError(`unknown argument '${arg}'\n${USAGE}`);
    }
  }
  return options;
}
