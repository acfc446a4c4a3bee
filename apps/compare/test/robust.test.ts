/**
 * The run folder under crashes, concurrency and bad resumes (issue 13), run as a user runs the
 * program. Crashes are real: test/kill-at.cjs, preloaded through NODE_OPTIONS, SIGKILLs the run at a
 * chosen file operation, as kill -9 or the OOM killer would. Every run has a deadline, and whatever a
 * test leaves running is killed after it (see harness.ts).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isProcessAlive } from '@zoo/fs/node';
import { APP, DATA, errorLine, outcome, run, start, withData, type Result } from './harness';

const KILL_HOOK = resolve(__dirname, 'kill-at.cjs');
/** Environment that SIGKILLs the run at the first fs.promises `op` on a path containing `text`. */
const killAt = (op: string, text: string) => ({ KILL_AT: `${op}:${text}`, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${KILL_HOOK}`.trim() });

/** A small, fast run of LeNet-5: 256 training images in batches of 64, 4 batches an epoch. */
const small = (out: string, epochs = 2) => ['--models', 'lenet5', '--limit-train', '256', '--limit-test', '64', '--batch-size', '64', '--epochs', String(epochs), '--out', out];

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'compare-robust-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
/** Every file under `dir` with its bytes, to prove that a refused command changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else files[p.slice(dir.length)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return files;
}
const tempLeftovers = (dir: string) => Object.keys(snapshot(dir)).filter((p) => p.includes('.tmp-'));

describe("the registry's recipe reaches the trainer", () => {
  withData(
    "alexnet-mini's cosine decay and flip/crop augmentation, and each epoch's rate is in the report",
    async () => {
      const out = join(scratch, 'recipe');
      // 128 images in batches of 64: two steps an epoch, eight in all.
      const r = await run(['--models', 'alexnet-mini', '--limit-train', '128', '--limit-test', '64', '--epochs', '4', '--out', out], {}, 150_000);
      expect(outcome(r)).toEqual({ code: 0, output: '' });
      const report = readJson(join(out, 'report.json'));
      expect(report.config.runs[0].optimizer).toEqual({ name: 'adam', lr: 0.001, lrSchedule: 'cosine' });
      expect(report.config.runs[0].augment).toEqual({ flip: true, crop: 2 });
      // Each epoch's rate is that of its last step, on a cosine from 0.001 to 0 over the eight.
      const history = report.models[0].history as { epoch: number; lr: number }[];
      expect(history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
      history.forEach((h, i) => expect(h.lr).toBeCloseTo(0.001 * 0.5 * (1 + Math.cos((Math.PI * (2 * i + 1)) / 8)), 9));
      expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('adam lr 0.001 cosine augment flip+crop 2');
    },
    200_000,
  );
});

describe('1. a crash while the first checkpoint is written', () => {
  withData(
    'leaves a run that --resume starts afresh, saying so, and the temporary folder is swept',
    async () => {
      const out = join(scratch, 'first-ckpt');
      const crashed = await run(small(out), killAt('rename', '.tmp-ckpt-e0001'));
      expect(crashed.signal).toBe('SIGKILL');
      // Only the half-made checkpoint: no complete one, no latest.json.
      expect(readdirSync(join(out, 'checkpoints', 'lenet5')).every((n) => n.startsWith('.tmp-'))).toBe(true);

      const again = await run(['--resume', '--out', out]);
      expect(outcome(again)).toEqual({ code: 0, output: '' });
      expect(again.stdout).toMatch(/\[lenet5\] no complete checkpoint in .*checkpoints\/lenet5 .*: training it from the beginning/);
      const [m] = readJson(join(out, 'report.json')).models;
      expect(m.status).toBe('done');
      expect(m.history.map((h: { epoch: number }) => h.epoch)).toEqual([1, 2]);
      expect(tempLeftovers(out)).toEqual([]);
    },
    120_000,
  );

  withData(
    'after a crash between the checkpoint and its latest.json, --resume continues from that checkpoint',
    async () => {
      const out = join(scratch, 'no-latest');
      const crashed = await run(small(out), killAt('open', '.tmp-latest.json'));
      expect(crashed.signal).toBe('SIGKILL');
      expect(readdirSync(join(out, 'checkpoints', 'lenet5'))).toContain('ckpt-e0001-b000000');
      const again = await run(['--resume', '--out', out]);
      expect(outcome(again)).toEqual({ code: 0, output: '' });
      expect(again.stdout).toMatch(/\[lenet5\] resumed from its checkpoint at epoch 2, batch 0/);
      expect(readJson(join(out, 'report.json')).models[0].history.map((h: { epoch: number }) => h.epoch)).toEqual([1, 2]);
      expect(tempLeftovers(out)).toEqual([]);
    },
    120_000,
  );
});

describe("1b. a crash of one model's child process alone", () => {
  withData(
    'as the OOM killer picks it: the run reports that model failed, and --resume continues from its checkpoint',
    async () => {
      const out = join(scratch, 'child-killed');
      // Killed as it publishes the last epoch's checkpoint: the first epoch's is the one that stands.
      const crashed = await run([...small(out), '--isolation', 'process'], { ...killAt('rename', '.tmp-ckpt-e0002'), KILL_ONE: '1' });
      expect(crashed.code).toBe(1);
      expect(readJson(join(out, 'report.json')).models[0]).toMatchObject({ status: 'failed', error: 'worker exited with signal SIGKILL before reporting' });
      expect(existsSync(join(out, '.lock'))).toBe(false);

      const again = await run(['--resume', '--out', out]);
      expect(outcome(again)).toEqual({ code: 0, output: '' });
      expect(again.stdout).toContain('one child process each: --isolation process');
      expect(again.stdout).toMatch(/\[lenet5\] resumed from its checkpoint at epoch 2, batch 0/);
      const [m] = readJson(join(out, 'report.json')).models;
      expect(m.status).toBe('done');
      expect(m.history.map((h: { epoch: number }) => h.epoch)).toEqual([1, 2]);
      expect(tempLeftovers(out)).toEqual([]);
    },
    120_000,
  );
});

describe('2, 4 and 9. a resume that cannot apply is refused and changes nothing', () => {
  withData(
    'another seed, fewer epochs, another batch size or data limit mid-epoch: exit 2, every file as it was; then --resume works',
    async () => {
      const out = join(scratch, 'refused');
      // 8,192 images in batches of 32: an epoch is long enough to be interrupted in its middle.
      const args = ['--models', 'lenet5', '--limit-train', '8192', '--limit-test', '64', '--batch-size', '32', '--epochs', '2', '--out', out];
      const first = start(args);
      await first.waitFor(/epoch 1\/2 done/, 150_000);
      // Half an epoch in, whatever this machine's speed: the first epoch's line says how long one takes.
      const took = /epoch 1\/2 done: .* ([\d.]+)s lr/.exec(first.output().stdout);
      await new Promise((r) => setTimeout(r, took ? Number(took[1]) * 500 : 1_000));
      first.kill('SIGINT');
      expect((await first.finish(60_000)).code).toBe(130);
      const latest = readJson(join(out, 'checkpoints', 'lenet5', 'latest.json')).checkpoint;
      expect(latest).toMatch(/^ckpt-e0001-b0*[1-9]\d*$/); // in the middle of epoch 2

      const before = snapshot(out);
      const refusals: [string[], RegExp][] = [
        [['--seed', '7'], /^compare: --seed: got 7, but lenet5's checkpoint .* was trained with seed 42; expected 42/],
        [['--epochs', '1'], /^compare: --epochs: got 1, but lenet5's checkpoint .* has 1 epoch done and part of epoch 2; expected at least 2/],
        [['--batch-size', '64'], /^compare: --batch-size: got 64, but lenet5's checkpoint .* is in the middle of epoch 2 \(after \d+ batches of 32\); expected 32/],
        [['--resize', '32'], /^compare: --resize: got 32, but lenet5's checkpoint .* was trained on 28 px images; expected 28/],
        [['--limit-train', '4096'], /^compare: --limit-train: got 4096 \(128 batches an epoch\), but .* of an epoch of 256 batches/],
      ];
      for (const [flags, message] of refusals) {
        const r = await run(['--resume', '--out', out, ...flags]);
        expect({ flags, code: r.code }).toEqual({ flags, code: 2 });
        expect(errorLine(r.stderr)).toMatch(message);
        expect(snapshot(out)).toEqual(before);
      }

      // A damaged checkpoint is found before anything is rewritten, too.
      const weights = join(out, 'checkpoints', 'lenet5', latest, 'weights.bin');
      const bytes = readFileSync(weights);
      bytes[100] ^= 0x40;
      writeFileSync(weights, bytes);
      const damaged = await run(['--resume', '--out', out]);
      expect(damaged.code).toBe(2);
      expect(errorLine(damaged.stderr)).toMatch(/^compare: --resume: checkpoint .*weights\.bin: has SHA-256 \w+ but the manifest says \w+: the file is corrupt/);
      bytes[100] ^= 0x40;
      writeFileSync(weights, bytes);
      expect(snapshot(out)).toEqual(before);

      // A damaged state file costs the earlier curve, not the resume, and is named.
      writeFileSync(join(out, 'state', 'lenet5.json'), '{"curve": [');
      const again = await run(['--resume', '--out', out], {}, 150_000);
      expect(outcome(again)).toEqual({ code: 0, output: '' });
      expect(again.stdout).toMatch(/ignoring .*state\/lenet5\.json: not the state file a run writes/);
      const [m] = readJson(join(out, 'report.json')).models;
      expect(m.status).toBe('done');
      expect(m.history.map((h: { epoch: number }) => h.epoch)).toEqual([1, 2]);
    },
    400_000,
  );
});

describe('3. one run per folder', () => {
  withData(
    'a second run on a folder in use is refused, naming the process that holds it',
    async () => {
      const out = join(scratch, 'locked');
      const first = start(['--models', 'lenet5', '--limit-train', '16384', '--limit-test', '64', '--epochs', '3', '--out', out]);
      await first.waitFor(/training 1 run/, 100_000);
      for (const args of [['--models', 'lenet5', '--out', out], ['--resume', '--out', out]]) {
        const second = await run(args);
        expect(second.code).toBe(2);
        expect(errorLine(second.stderr)).toMatch(new RegExp(`^compare: --out: ".*locked" is in use by process ${first.pid} \\(started .*\\); expected a folder no other run is using`));
      }
      first.kill('SIGINT');
      await first.finish(60_000);
      // Stopped, it lets the folder go.
      expect(existsSync(join(out, '.lock'))).toBe(false);
    },
    240_000,
  );
});

describe('5. TERM to the documented entry point', () => {
  // `pnpm --filter compare start` as the README says: pnpm itself when jest runs under it, else the one on PATH.
  const onPath = (process.env.PATH ?? '').split(':').map((d) => join(d, 'pnpm')).find((p) => existsSync(p));
  const execPath = process.env.npm_execpath && /pnpm/.test(process.env.npm_execpath) ? process.env.npm_execpath : undefined;
  const pnpm = execPath ? [process.execPath, execPath] : onPath ? [onPath] : undefined;
  if (!pnpm) console.warn('robust.test: no pnpm found (npm_execpath, PATH), so the test of `pnpm --filter compare start` is skipped');
  const withPnpm = pnpm ? withData : it.skip;

  withPnpm(
    'stops the run as Ctrl-C does: checkpoint, report, no trainer left running',
    async () => {
      const out = join(scratch, 'term');
      const started = start(['--filter', 'compare', 'start', '--models', 'lenet5', '--limit-train', '16384', '--limit-test', '64', '--epochs', '3', '--out', out], {}, { command: pnpm! });
      await started.waitFor(/training 1 run/, 150_000);
      const { pid } = readJson(join(out, '.lock'));
      // Only pnpm's own process, as `kill PID` or a service manager does: not the process group.
      process.kill(started.pid, 'SIGTERM');
      const alive = () => isProcessAlive(pid);
      const deadline = Date.now() + 60_000;
      while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(alive()).toBe(false);
      // Stopped as Ctrl-C stops it (a TERM before the worker got going stops it before its first batch).
      expect(readJson(join(out, 'report.json')).models[0].status).toBe('interrupted');
      expect(existsSync(join(out, '.lock'))).toBe(false);
    },
    240_000,
  );

  withPnpm(
    'a Ctrl-C in the terminal (INT to pnpm and the run alike, which pnpm forwards again) is one stop, not a quit',
    async () => {
      const out = join(scratch, 'ctrl-c');
      // Batches of a few seconds, so that pnpm's copy of the signal arrives while the run is stopping.
      const args = ['--models', 'lenet5', '--batch-size', '8192', '--limit-train', '32768', '--limit-test', '64', '--epochs', '3', '--out', out];
      const started = start(['--filter', 'compare', 'start', ...args], {}, { command: pnpm! });
      await started.waitFor(/\[lenet5 *\] epoch 1\/3 batch/, 150_000);
      // The whole process group, as a terminal's Ctrl-C does (the harness starts each run in its own).
      process.kill(-started.pid, 'SIGINT');
      const r = await started.done;
      expect(r.stderr).not.toContain('quit without saving');
      expect(r.stdout).toContain('stopping: each model finishes its current batch and saves a checkpoint');
      expect(readJson(join(out, 'report.json')).models[0].status).toBe('interrupted');
      expect(readdirSync(join(out, 'checkpoints', 'lenet5')).some((n) => n.startsWith('ckpt-'))).toBe(true);
    },
    240_000,
  );
});

describe('6. relative data paths', () => {
  it('resolve --data-dir from where the command was typed, as --out does', async () => {
    const typedIn = join(scratch, 'typed-here');
    mkdirSync(join(typedIn, 'empty-data'), { recursive: true });
    const r = await run(['--data-dir', 'empty-data', '--no-download', '--preset', 'quick', '--out', join(scratch, 'rel-out')], { INIT_CWD: typedIn });
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toContain(`--data-dir: got ${JSON.stringify(join(typedIn, 'empty-data'))}, which lacks train-images-idx3-ubyte`);
  });

  withData(
    'resolve ZOO_DATA_DIR from there too',
    async () => {
      const typedIn = join(scratch, 'typed-env');
      mkdirSync(join(typedIn, 'datasets'), { recursive: true });
      symlinkSync(DATA, join(typedIn, 'datasets', 'fashion-mnist'));
      const r = await run(['--models', 'lenet5', '--limit-train', '64', '--limit-test', '64', '--epochs', '1', '--no-download', '--out', join(scratch, 'env-out')], {
        INIT_CWD: typedIn,
        ZOO_DATA_DIR: 'datasets',
      });
      expect(outcome(r)).toEqual({ code: 0, output: '' });
      expect(r.stdout).toContain(`data: Fashion-MNIST from ${join(typedIn, 'datasets', 'fashion-mnist')} ($ZOO_DATA_DIR)`);
    },
    120_000,
  );
});

describe('7. a closed stdout', () => {
  withData(
    'never ends training: the run finishes and writes its report',
    async () => {
      const out = join(scratch, 'epipe');
      // Long enough (1,024 images, 3 epochs) that its epoch lines and tables come after the close.
      const running = start(['--models', 'lenet5', '--limit-train', '1024', '--limit-test', '64', '--batch-size', '64', '--epochs', '3', '--out', out]);
      await running.waitFor(/training 1 run/, 100_000);
      // As `| head` does once it has its lines.
      running.closeStdout();
      const r = await running.finish(100_000);
      expect({ code: r.code, stderr: r.stderr.includes('EPIPE') ? r.stderr : '' }).toEqual({ code: 0, stderr: '' });
      const [m] = readJson(join(out, 'report.json')).models;
      expect(m.status).toBe('done');
      expect(m.history).toHaveLength(3);
    },
    120_000,
  );
});

describe('8. reports never replace what they did not write', () => {
  it('refuses an empty --out', async () => {
    const r = await run(['--out', '', ...small('').slice(0, -2)]);
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(/--out.*expected a folder path/);
    expect(existsSync(join(APP, 'report.json'))).toBe(false);
  });

  it('refuses a folder that holds files no run wrote, and leaves them be', async () => {
    const mine = join(scratch, 'mine');
    mkdirSync(join(mine, 'checkpoints', 'lenet5'), { recursive: true });
    writeFileSync(join(mine, 'report.md'), 'my notes\n');
    const before = snapshot(mine);
    const r = await run(small(mine));
    expect(r.code).toBe(2);
    const line = errorLine(r.stderr);
    expect(line).toMatch(/--out: got ".*mine", which holds files no run wrote \(checkpoints, report\.md\); expected a new or empty folder/);
    // In the CLI's words, not the trainer's options.
    expect(line).not.toMatch(/resume: true/);
    expect(snapshot(mine)).toEqual(before);
  });

  withData(
    "keeps the earlier sessions' curve, wall time and peak memory through a kill -9",
    async () => {
      const out = join(scratch, 'state-kept');
      const crashed = await run(small(out, 3), killAt('rename', '.tmp-ckpt-e0003'));
      expect(crashed.signal).toBe('SIGKILL');
      const again = await run(['--resume', '--out', out]);
      expect(outcome(again)).toEqual({ code: 0, output: '' });
      const [m] = readJson(join(out, 'report.json')).models;
      expect(m.history.map((h: { epoch: number }) => h.epoch)).toEqual([1, 2, 3]);
      // The curve starts in the first session's first epoch and runs to the end without a gap.
      const xs: number[] = m.curve.map((p: { epoch: number }) => p.epoch);
      expect(xs[0]).toBeLessThanOrEqual(1);
      expect(xs).toEqual([...xs].sort((a, b) => a - b));
      for (const e of [1, 2, 3]) expect(xs.some((x) => x > e - 1 && x <= e)).toBe(true);
      expect(m.wallSeconds).toBeGreaterThan(m.history[0].seconds + m.history[1].seconds + m.history[2].seconds);
      expect(m.peakMemoryBytes).toBeGreaterThan(0);
    },
    120_000,
  );
});

describe('9. clear errors', () => {
  it.each([
    [['--seed', '4294967296'], /--seed.*'4294967296'.*from 0 to 4294967295/],
    [['--optimizer', 'momentum', '--momentum', '50'], /--momentum: got 50; expected a number in \[0, 1\)/],
    [['--resize', '3000'], /--resize.*'3000'.*at most 1024/],
    [['--momentum', '0.5'], /--momentum: got 0.5; expected --optimizer momentum with it \(lenet5 trains with sgd/],
  ])('rejects %j before anything is written', async (flags, message) => {
    const out = join(scratch, `bad-${flags.join('-').replace(/[^a-z0-9-]/gi, '')}`);
    const r = await run(['--models', 'lenet5', ...flags, '--out', out]);
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('names --out when it cannot be written, before the data is loaded', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');
    const r = await run(['--out', join(file, 'run'), '--preset', 'quick']);
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(/^compare: --out: cannot write to ".*a-file\/run" \(ENOTDIR: a file is in the way of the folder\); expected a folder/);
    expect(r.stdout).not.toContain('data:');
  });

  it('names ZOO_WASM_THREADS and ZOO_BACKEND when they are what is wrong', async () => {
    const threads = await run(['--summary', 'lenet5', '--out', join(scratch, 'summary-threads')], { ZOO_WASM_THREADS: '0' });
    expect(threads.code).toBe(2);
    expect(errorLine(threads.stderr)).toMatch(/^compare: ZOO_WASM_THREADS: expected an integer from 1 to \d+, got '0'$/);
    const backend = await run(['--summary', 'lenet5', '--out', join(scratch, 'summary-backend')], { ZOO_BACKEND: 'tensorflow' });
    // Where native TensorFlow works it starts; where it cannot, the error names the variable.
    if (backend.code === 0) expect(backend.stdout).toMatch(/^backend: tensorflow/m);
    else expect(errorLine(backend.stderr)).toMatch(/^compare: ZOO_BACKEND: backend 'tensorflow' cannot start here/);
  });
});

describe("11. a newcomer's first lines", () => {
  it('start with the backend line, with no Dawn warning before it', async () => {
    const r: Result = await run(['--summary', 'lenet5', '--out', join(scratch, 'summary-first-lines')]);
    expect(outcome(r)).toEqual({ code: 0, output: '' });
    // Without a Vulkan loader WebGPU is skipped before Dawn could print "Couldn't load Vulkan" and a
    // path of its CI machine. (Where Vulkan exists, Dawn still prints its limit warnings: see the report.)
    expect(r.stderr).not.toMatch(/Couldn't load Vulkan/);
    expect(r.stdout.split('\n')[0]).toMatch(/^backend: /);
  });
});
