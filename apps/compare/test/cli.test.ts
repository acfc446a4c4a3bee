/**
 * The built command line, run as a user runs it (node dist/cli.js, which `pnpm start` also runs),
 * with stdout a pipe: plain log lines, no progress bars.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorLine, outcome, run, start, withData } from './harness';

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'compare-test-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('compare CLI', () => {
  it('documents every flag in --help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--models', '--preset', '--epochs', '--batch-size', '--lr', '--optimizer', '--resize', '--limit-train', '--limit-test', '--backend', '--data-dir', '--seed', '--out', '--resume', '--list-models', '--summary', '--sweep']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('takes flags after a literal -- as pnpm passes them', async () => {
    const r = await run(['--', '--list-models']);
    expect(r.code).toBe(0);
    for (const name of ['lenet5', 'lenet5-relu', 'lenet5-dropout', 'alexnet', 'alexnet-classic', 'alexnet-mini']) expect(r.stdout).toContain(name);
  });

  it.each([
    [['--models', 'lenet5,resnet50'], /--models: got "resnet50"; expected one of lenet5/],
    [['--models', 'alexnet', '--resize', '28'], /--resize: got 28; expected at least \d+ for alexnet/],
    [['--epochs', 'ten'], /--epochs.*'ten'.*positive integer/],
    [['--lr', 'abc'], /--lr.*'abc'.*positive number/],
    [['--batch-size', '0'], /--batch-size.*'0'.*positive integer/],
    [['--sweep', 'batch-size=32,big'], /--sweep.*'big'/],
    [['--summary', 'vgg'], /--summary: got "vgg"; expected one of/],
    [['--preset', 'gpu'], /--preset.*'gpu'.*d2l/],
  ])('rejects %j with one line, exit code 2, and writes nothing', async (args, message) => {
    const out = join(scratch, `bad-${args.join('-').replace(/[^a-z0-9-]/gi, '')}`);
    const r = await run([...args, '--out', out]);
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects a data folder without the data (as when offline with nothing on disk)', async () => {
    const empty = join(scratch, 'empty-data');
    const out = join(scratch, 'no-data-out');
    mkdirSync(empty);
    const r = await run(['--data-dir', empty, '--no-download', '--preset', 'quick', '--out', out]);
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(/--data-dir: got ".*empty-data".*lacks train-images-idx3-ubyte.*expected the four Fashion-MNIST files/);
    expect(existsSync(out)).toBe(false);
  });

  it("prints the chapter's layer table and a roofline reading for --summary", async () => {
    const out = join(scratch, 'summary');
    const r = await run(['--summary', 'alexnet', '--out', out]);
    expect(outcome(r)).toEqual({ code: 0, output: '' });
    // D2L's output shapes for AlexNet on a 1x224x224 image, channels first.
    for (const shape of ['96x54x54', '96x26x26', '256x26x26', '256x12x12', '384x12x12', '256x5x5', '6400', '4096', '10']) {
      expect(r.stdout).toMatch(new RegExp(`\\b${shape}\\b`));
    }
    expect(r.stdout).toContain('46,764,746');
    expect(r.stdout).toMatch(/ridge point [\d.]+ FLOP\/byte/);
    expect(r.stdout).toMatch(/dense layers hold [\d.]+%/);
    // The text table and the roofline chart beside it.
    expect(readFileSync(join(out, 'summary.txt'), 'utf8')).toContain('46,764,746');
    expect(readFileSync(join(out, 'roofline.svg'), 'utf8')).toMatch(/^<svg [^>]*>.*Roofline/s);
    const custom = await run(['--summary', 'alexnet-mini', '--peak-gflops', '100', '--bandwidth-gbs', '10', '--out', join(scratch, 'summary-custom')]);
    expect(custom.stdout).toContain('ridge point 10.0 FLOP/byte');
    // The new spelling, with both of the chapter's models in one chart.
    const both = await run(['summary', 'lenet5', 'alexnet', '--out', join(scratch, 'summary-both')]);
    expect(outcome(both)).toEqual({ code: 0, output: '' });
    const svg = readFileSync(join(scratch, 'summary-both', 'roofline.svg'), 'utf8');
    expect(svg).toContain('model: lenet5;');
    expect(svg).toContain('model: alexnet;');
  });

  withData(
    'trains two models side by side on real data and writes report.json, report.md and report.html',
    async () => {
      const out = join(scratch, 'e2e');
      const r = await run(['--models', 'lenet5,alexnet-mini', '--limit-train', '256', '--limit-test', '128', '--epochs', '1', '--out', out], {}, 200_000);
      expect(outcome(r)).toEqual({ code: 0, output: '' });
      // Not a terminal: plain lines, no cursor movement.
      expect(r.stdout).not.toContain('\u001b[');
      expect(r.stdout).toMatch(/^\[lenet5 *\] epoch 1\/1 done: loss [\d.]+ train acc [\d.]+ test acc [\d.]+/m);
      expect(r.stdout).toMatch(/^\[alexnet-mini *\] epoch 1\/1 done/m);
      expect(r.stdout).toContain('train acc');

      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      expect(report.backend.name).toEqual(expect.any(String));
      expect(report.preset).toEqual(expect.any(String));
      expect(report.config.runs).toHaveLength(2);
      expect(report.models.map((m: { name: string }) => m.name)).toEqual(['lenet5', 'alexnet-mini']);
      for (const m of report.models) {
        expect(m.status).toBe('done');
        expect(m.params).toBeGreaterThan(0);
        expect(m.flops).toBeGreaterThan(0);
        expect(m.history).toHaveLength(1);
        const [h] = m.history;
        expect(h).toEqual({ epoch: 1, lr: expect.any(Number), loss: expect.any(Number), trainAcc: expect.any(Number), testAcc: expect.any(Number), examplesPerSec: expect.any(Number), seconds: expect.any(Number) });
        expect(m.final).toEqual({ loss: h.loss, trainAcc: h.trainAcc, testAcc: h.testAcc, examplesPerSec: h.examplesPerSec });
        expect(h.testAcc).toBeGreaterThanOrEqual(0);
        expect(h.testAcc).toBeLessThanOrEqual(1);
        expect(m.peakMemoryBytes).toBeGreaterThan(0);
        // The confusion matrix counts every test image once.
        const counted = m.evaluation.confusion.flat().reduce((a: number, b: number) => a + b, 0);
        expect(counted).toBe(128);
        expect(m.evaluation.confusion).toHaveLength(10);
      }
      expect(report.models[1].params).toBeGreaterThan(report.models[0].params);

      const md = readFileSync(join(out, 'report.md'), 'utf8');
      expect(md).toContain('| model | input | params');
      expect(md).toContain('### lenet5');
      expect(md).toContain('### alexnet-mini');

      const html = readFileSync(join(out, 'report.html'), 'utf8');
      expect(html).not.toMatch(/<script/i);
      expect(html).toContain('Training loss');
      expect(html).toContain('lenet5: test confusion matrix');
      expect(html).toContain('alexnet-mini: test confusion matrix');
      // Filters and feature maps of each saved model, one test image per class, linked from both reports.
      expect(report.views.samples).toHaveLength(10);
      for (const m of report.models) {
        const v = report.views.models[m.name];
        expect(v.maps).toHaveLength(10);
        expect(existsSync(join(out, v.filters.path))).toBe(true);
        expect(html).toContain(`<img src="${v.filters.path}"`);
        expect(md).toContain(`](${v.filters.path})`);
      }
      // Nothing half-written is left behind.
      expect(readdirSync(out).filter((f) => f.includes('tmp'))).toEqual([]);

      // A second run does not write over this one.
      const again = await run(['--models', 'lenet5', '--out', out]);
      expect(again.code).toBe(2);
      expect(errorLine(again.stderr)).toMatch(/--out: got ".*e2e", which already holds a run; expected a new folder, or --resume/);
    },
    240_000,
  );

  // Which one a run gets by default depends on the backend and the C library; both must work.
  describe.each([
    ['child processes', 'process', 'one child process each: --isolation process'],
    ['worker threads', 'thread', 'one worker thread each'],
  ])('trains in %s when asked', (_, isolation, why) => {
    withData(
      'with the data it was given and the header saying so',
      async () => {
        const out = join(scratch, `isolation-${isolation}`);
        const r = await run(['--models', 'lenet5', '--limit-train', '256', '--limit-test', '128', '--epochs', '1', '--isolation', isolation, '--out', out], {}, 200_000);
        expect(outcome(r)).toEqual({ code: 0, output: '' });
        expect(r.stdout).toContain(`(${why}`);
        const [m] = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).models;
        expect(m.status).toBe('done');
        expect(m.evaluation.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(128);
      },
      240_000,
    );
  });

  // Replicas are worker threads of the model's worker, itself a thread or a child process.
  describe.each(['process', 'thread'])('trains as data-parallel replicas (isolation %s)', (isolation) => {
    withData(
      'when asked, the header and the report saying so',
      async () => {
        const args = ['--models', 'lenet5', '--limit-train', '256', '--limit-test', '128', '--epochs', '1', '--batch-size', '32', '--isolation', isolation];
        const reports = [];
        for (const replicas of ['1', '2']) {
          const out = join(scratch, `replicas-${isolation}-${replicas}`);
          const r = await run([...args, '--replicas', replicas, '--out', out], {}, 200_000);
          expect(outcome(r)).toEqual({ code: 0, output: '' });
          if (replicas === '2') expect(r.stdout).toContain('[lenet5] data-parallel: 2 replicas of one thread (as asked (--replicas 2), one backend thread each)');
          else expect(r.stdout).not.toContain('data-parallel');
          reports.push(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).models[0]);
        }
        const [one, two] = reports;
        expect([one.replicas, two.replicas]).toEqual([1, 2]);
        expect(two.status).toBe('done');
        expect(two.evaluation.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(128);
        // The same whole-batch steps (lenet5 has no dropout): the same epoch, to float rounding.
        expect(two.history[0].loss).toBeCloseTo(one.history[0].loss, 3);
        expect(two.history[0].testAcc).toBeCloseTo(one.history[0].testAcc, 2);
      },
      240_000,
    );
  });

  withData('refuses more replicas than a batch has examples, naming the flag, before writing anything', async () => {
    const r = await run(['--models', 'lenet5', '--batch-size', '4', '--replicas', '8', '--limit-train', '64', '--out', join(scratch, 'replicas-too-many')]);
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toBe('compare: --replicas: got 8; expected at most the batch size (4 for lenet5): each replica trains on a slice of every batch');
    expect(existsSync(join(scratch, 'replicas-too-many', 'run.json'))).toBe(false);
  });

  withData(
    'saves checkpoints on Ctrl-C and continues from them with --resume',
    async () => {
      const out = join(scratch, 'resume');
      const args = ['--models', 'lenet5', '--limit-train', '2048', '--limit-test', '128', '--epochs', '3', '--batch-size', '32', '--out', out];
      const first = start(args);
      await first.waitFor(/epoch 1\/3 done/, 150_000);
      first.kill('SIGINT');
      // The batch in flight, a checkpoint and the report: seconds, not minutes.
      const stopped = await first.finish(60_000);
      expect(stopped.code).toBe(130);
      expect(stopped.stdout).toMatch(/interrupted: checkpoints are in .*; continue with: pnpm --filter compare start --resume --out /);
      expect(readdirSync(join(out, 'checkpoints', 'lenet5')).length).toBeGreaterThan(0);
      const partial = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      expect(partial.models[0].status).toBe('interrupted');
      const doneBefore = partial.models[0].history.length;
      expect(doneBefore).toBeGreaterThanOrEqual(1);
      expect(doneBefore).toBeLessThan(3);

      const again = await run(['--resume', '--out', out], {}, 150_000);
      expect(outcome(again)).toEqual({ code: 0, output: '' });
      expect(again.stdout).toMatch(/\[lenet5\] resumed from its checkpoint at epoch \d, batch \d+/);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      const [m] = report.models;
      expect(m.status).toBe('done');
      expect(m.history.map((h: { epoch: number }) => h.epoch)).toEqual([1, 2, 3]);
      // The epochs trained before the interruption are the ones reported now.
      expect(m.history.slice(0, doneBefore)).toEqual(partial.models[0].history);
      // The curve runs from the first epoch to the last without a gap or a repeat.
      const xs = m.curve.map((p: { epoch: number }) => p.epoch);
      expect(xs).toEqual([...xs].sort((a, b) => a - b));
      expect(xs[xs.length - 1]).toBeCloseTo(3);
    },
    400_000,
  );

  it('refuses to resume what is not a run', async () => {
    const empty = join(scratch, 'not-a-run');
    mkdirSync(empty);
    const r = await run(['--resume', '--out', empty]);
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(/--resume: got ".*not-a-run"; expected a folder with the run.json/);
  });
});
