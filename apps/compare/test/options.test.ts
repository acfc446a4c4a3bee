import { checkFlags, parseCli, rewriteAliases, stripLeadingDashDash, type CliOptions } from '../src/options';
import { listModels } from '@zoo/models';
import { UsageError } from '../src/errors';

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'];

function parse(...argv: string[]): CliOptions {
  const parsed = parseCli(argv, BACKENDS, { writeOut: () => undefined });
  if (parsed.kind !== 'run') throw new Error('expected options, got help');
  return parsed.options;
}

function usageError(...argv: string[]): string {
  try {
    parseCli(argv, BACKENDS, { writeOut: () => undefined });
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`expected ${argv.join(' ')} to be rejected`);
}

describe('parseCli', () => {
  it('leaves every preset-controlled option undefined when not given', () => {
    const o = parse();
    for (const key of ['models', 'preset', 'epochs', 'batchSize', 'lr', 'resize', 'limitTrain', 'limitTest', 'seed', 'download'] as const) {
      expect(o[key]).toBeUndefined();
    }
  });

  it('reads every flag into its typed field', () => {
    const o = parse(
      '--models', 'lenet5,alexnet-mini', '--preset', 'quick', '--epochs', '4', '--batch-size', '64', '--lr', '0.05',
      '--optimizer', 'momentum', '--momentum', '0.8', '--weight-decay', '0.0005', '--resize', '32', '--limit-train', '256',
      '--limit-test', '128', '--backend', 'cpu', '--data-dir', '/data', '--no-download', '--seed', '7', '--out', 'x', '--jobs', '2',
    );
    expect(o).toEqual({
      models: ['lenet5', 'alexnet-mini'],
      preset: 'quick',
      epochs: 4,
      batchSize: 64,
      lr: 0.05,
      optimizer: 'momentum',
      momentum: 0.8,
      weightDecay: 0.0005,
      resize: 32,
      limitTrain: 256,
      limitTest: 128,
      backend: 'cpu',
      dataDir: '/data',
      download: false,
      seed: 7,
      out: 'x',
      jobs: 2,
    });
  });

  it('accepts a leading -- as pnpm passes it', () => {
    expect(stripLeadingDashDash(['--', '--epochs', '2'])).toEqual(['--epochs', '2']);
    expect(parse('--', '--epochs', '2').epochs).toBe(2);
  });

  it('parses a batch-size sweep and an lr sweep', () => {
    expect(parse('--sweep', 'batch-size=32,64,128,256').sweep).toEqual({ flag: 'batch-size', values: [32, 64, 128, 256] });
    expect(parse('--sweep', 'lr=0.1,0.01').sweep).toEqual({ flag: 'lr', values: [0.1, 0.01] });
  });

  it.each([
    [['--epochs', 'abc'], ['--epochs', 'abc', 'positive integer']],
    [['--epochs', '0'], ['--epochs', '0', 'positive integer']],
    [['--batch-size', '2.5'], ['--batch-size', '2.5', 'positive integer']],
    [['--lr', 'fast'], ['--lr', 'fast', 'positive number']],
    [['--lr', '-1'], ['--lr', '-1', 'positive number']],
    [['--resize', '-3'], ['--resize', '-3']],
    [['--limit-train', '1e3x'], ['--limit-train', '1e3x']],
    [['--preset', 'fast'], ['--preset', 'fast', 'd2l']],
    [['--backend', 'tpu'], ['--backend', 'tpu', 'wasm']],
    [['--optimizer', 'rmsprop'], ['--optimizer', 'rmsprop', 'adam']],
    [['--sweep', 'epochs=1,2'], ['--sweep', 'epochs=1,2', 'batch-size']],
    [['--sweep', 'batch-size=32,x'], ['--sweep', "'x'"]],
    [['--models', 'lenet5,,alexnet'], ['--models', 'comma-separated']],
    [['--frobnicate'], ['--frobnicate']],
    [['stray'], ['stray']],
  ])('rejects %j with a one-line message naming the input, the value and what was expected', (argv, parts) => {
    const message = usageError(...argv);
    for (const part of parts) expect(message).toContain(part);
  });

  it('rejects conflicting modes and flags', () => {
    expect(usageError('--summary', 'alexnet', '--list-models')).toMatch(/--list-models.*--summary|--summary.*--list-models/);
    expect(usageError('--sweep', 'batch-size=32,64', '--batch-size', '16')).toContain('--batch-size');
    expect(usageError('--optimizer', 'adam', '--momentum', '0.9')).toContain('--momentum');
  });

  it("checks values against the trainer's limits, and paths for emptiness", () => {
    expect(parse('--seed', '4294967295').seed).toBe(4294967295);
    expect(usageError('--seed', '4294967296')).toMatch(/--seed.*from 0 to 4294967295/);
    expect(parse('--resize', '1024').resize).toBe(1024);
    expect(usageError('--resize', '3000')).toMatch(/--resize.*'3000'.*at most 1024/);
    expect(usageError('--out', '')).toMatch(/--out.*expected a folder path/);
    expect(usageError('--data-dir', ' ')).toMatch(/--data-dir.*expected a folder path/);
  });

  it('reports help without options', () => {
    let text = '';
    expect(parseCli(['--help'], BACKENDS, { writeOut: (t) => (text += t) })).toEqual({ kind: 'help' });
    for (const flag of ['--models', '--preset', '--epochs', '--batch-size', '--lr', '--optimizer', '--resize', '--limit-train', '--limit-test', '--backend', '--data-dir', '--seed', '--out', '--resume', '--list-models', '--summary', '--sweep', '--peak-gflops', '--bandwidth-gbs']) {
      expect(text).toContain(flag);
    }
  });
});

describe('subcommands', () => {
  const parsed = (...argv: string[]) => parseCli(argv, BACKENDS, { writeOut: () => undefined });

  it('trains by default, and names each command', () => {
    expect(parsed()).toEqual({ kind: 'run', command: 'train', options: {} });
    expect(parsed('--epochs', '2')).toEqual({ kind: 'run', command: 'train', options: { epochs: 2 } });
    expect(parsed('train', '--epochs', '2')).toEqual({ kind: 'run', command: 'train', options: { epochs: 2 } });
    expect(parsed('sweep', 'batch-size=32,64', '--epochs', '1')).toEqual({ kind: 'run', command: 'sweep', options: { epochs: 1, sweep: { flag: 'batch-size', values: [32, 64] } } });
    expect(parsed('summary', 'lenet5', 'alexnet', '--peak-gflops', '100')).toEqual({ kind: 'run', command: 'summary', options: { summary: ['lenet5', 'alexnet'], peakGflops: 100 } });
    expect(parsed('models')).toEqual({ kind: 'run', command: 'models', options: {} });
    expect(parsed('--', 'classify', 'a.png', '--model', 'lenet5')).toEqual({ kind: 'classify', argv: ['a.png', '--model', 'lenet5'] });
  });

  it('keeps the old spellings as aliases of the commands', () => {
    expect(rewriteAliases(['--list-models'])).toEqual({ argv: ['models'], alias: '--list-models' });
    expect(rewriteAliases(['--summary', 'alexnet', '--peak-gflops', '5'])).toEqual({ argv: ['summary', 'alexnet', '--peak-gflops', '5'], alias: '--summary' });
    expect(rewriteAliases(['--summary=lenet5,alexnet'])).toEqual({ argv: ['summary', 'lenet5', 'alexnet'], alias: '--summary' });
    expect(rewriteAliases(['--epochs', '1', '--sweep', 'lr=0.1,0.2'])).toEqual({ argv: ['sweep', 'lr=0.1,0.2', '--epochs', '1'], alias: '--sweep' });
    expect(parsed('--list-models')).toEqual({ kind: 'run', command: 'models', options: {}, alias: '--list-models' });
    expect(parsed('--summary', 'alexnet')).toMatchObject({ command: 'summary', options: { summary: ['alexnet'] } });
    expect(usageError('--summary')).toMatch(/^--summary: got no value; expected a model name/);
  });

  it('refuses options that belong to another command', () => {
    expect(usageError('models', '--epochs', '2')).toMatch(/unknown option '--epochs'/);
    expect(usageError('summary', 'lenet5', '--epochs', '2')).toMatch(/unknown option '--epochs'/);
    expect(usageError('sweep', 'epochs=1,2')).toMatch(/^sweep: got 'epochs=1,2'; expected batch-size or lr/);
  });
});

describe('checkFlags', () => {
  // Pure: the registry's facts and the flags, no backend, no files.
  const facts = listModels();
  const check = (...argv: string[]) => {
    const parsed = parseCli(argv, BACKENDS, { writeOut: () => undefined });
    if (parsed.kind !== 'run') throw new Error('expected a command');
    checkFlags(parsed, facts);
  };
  const refused = (...argv: string[]) => {
    try {
      check(...argv);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error(`expected ${argv.join(' ')} to be refused`);
  };

  it('names unknown models in the words they were given in', () => {
    expect(refused('--models', 'lenet5,resnet50')).toMatch(/^--models: got "resnet50"; expected one of lenet5, /);
    expect(refused('--summary', 'vgg')).toMatch(/^--summary: got "vgg"; expected one of /);
    expect(refused('summary', 'vgg')).toMatch(/^summary: got "vgg"; expected one of /);
  });

  it('checks --resize and --momentum against every model that will certainly train', () => {
    expect(refused('--models', 'alexnet', '--resize', '28')).toMatch(/^--resize: got 28; expected at least \d+ for alexnet/);
    // Both presets auto can become train AlexNet at 224 px.
    expect(refused('--resize', '28')).toMatch(/^--resize: got 28; expected at least \d+ for alexnet/);
    expect(refused('summary', 'lenet5', '--resize', '8')).toMatch(/^--resize: got 8; expected at least 12 for lenet5/);
    expect(refused('--models', 'lenet5', '--momentum', '0.5')).toMatch(/^--momentum: got 0.5; expected --optimizer momentum with it \(lenet5 trains with sgd/);
    // A sweep on a CPU trains alexnet-mini, on a GPU AlexNet: 28 px is for the plan to judge once the backend is known.
    expect(() => check('sweep', 'batch-size=32,64', '--resize', '28')).not.toThrow();
    expect(() => check('--models', 'lenet5,alexnet-mini', '--resize', '28', '--optimizer', 'momentum', '--momentum', '0.5')).not.toThrow();
    // A resume's models are in its run.json, read later: its flags are checked against those then.
    expect(() => check('--resume', '--resize', '32')).not.toThrow();
    expect(refused('--resume', '--models', 'vgg')).toMatch(/^--models: got "vgg"/);
  });
});
