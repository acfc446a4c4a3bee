import { parseCli, stripLeadingDashDash, type CliOptions } from '../src/options';
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
