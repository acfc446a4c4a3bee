/**
 * Runs the built command line as a user runs it, for the CLI tests: each run is bounded by a
 * deadline (a stuck run fails its test with what it printed, instead of hanging CI), and whatever a
 * test leaves running is killed after it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const APP = resolve(__dirname, '..');
export const CLI = join(APP, 'dist', 'cli.js');
export const DATA = process.env.ZOO_DATA_DIR ? join(process.env.ZOO_DATA_DIR, 'fashion-mnist') : '/usr/share/datasets/fashion-mnist';
export const HAS_DATA = existsSync(join(DATA, 'train-images-idx3-ubyte.gz')) || existsSync(join(DATA, 'train-images-idx3-ubyte'));
if (!HAS_DATA) console.warn(`cli.test: Fashion-MNIST is not in ${DATA}; the real-data tests are skipped (apt-get install dataset-fashion-mnist)`);
export const withData = HAS_DATA ? it : it.skip;

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  done: Promise<Result>;
  pid: number;
  /** What it printed so far. */
  output(): { stdout: string; stderr: string };
  /** Closes the reading end of its stdout, as `| head` does once it has its lines. */
  closeStdout(): void;
  kill(signal: NodeJS.Signals): void;
  /**
   * Resolves when stdout has printed a line matching `pattern`; rejects, with what the run printed
   * so far, when it exits first or `ms` pass, so that a stuck run says where it stuck.
   */
  waitFor(pattern: RegExp, ms: number): Promise<void>;
  /** `done`, or a rejection with the output so far once `ms` pass. */
  finish(ms: number): Promise<Result>;
}

/** Every run still alive; each test's leftovers are killed after it, so jest can always exit. */
const alive = new Set<ChildProcess>();

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  // The run is the leader of its own process group, which also holds any child processes it forked.
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}

afterEach(() => {
  for (const child of alive) killGroup(child, 'SIGKILL');
  alive.clear();
});

export interface StartOptions {
  /** The program and its leading arguments. Default: node dist/cli.js. */
  command?: readonly string[];
  cwd?: string;
}

export function start(args: string[], env: Record<string, string> = {}, options: StartOptions = {}): Running {
  const [program, ...leading] = options.command ?? [process.execPath, CLI];
  const child = spawn(program, [...leading, ...args], {
    cwd: options.cwd ?? APP,
    env: { ...process.env, ...env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  alive.add(child);
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const w of waiters.splice(0)) {
      if (w.pattern.test(stdout)) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Result>((resolveDone) =>
    child.on('close', (code, signal) => {
      alive.delete(child);
      resolveDone({ code, signal, stdout, stderr });
    }),
  );
  const printed = () => `--- stdout ---\n${stdout.slice(-4000)}\n--- stderr ---\n${stderr.slice(-4000)}`;
  const deadline = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s (args: ${args.join(' ')})\n${printed()}`)), ms);
    });
    return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
  };
  return {
    done,
    pid: child.pid!,
    output: () => ({ stdout, stderr }),
    closeStdout: () => child.stdout!.destroy(),
    kill: (signal) => child.kill(signal),
    waitFor: (pattern, ms) =>
      deadline(
        new Promise<void>((resolveWait, reject) => {
          if (pattern.test(stdout)) return resolveWait();
          waiters.push({ pattern, resolve: resolveWait });
          void done.then(() => reject(new Error(`exited before printing ${pattern}:\n${printed()}`)));
        }),
        ms,
        `did not print ${pattern}`,
      ),
    finish: (ms) => deadline(done, ms, 'did not exit'),
  };
}

/** A whole run, given `ms` to finish (less than the test's own timeout, so the failure shows its output). */
export const run = (args: string[], env: Record<string, string> = {}, ms = 100_000) => start(args, env).finish(ms);

/** Exit status, with what the run printed when it is not 0, so that a failure says why. */
export const outcome = (r: Result) => ({
  code: r.code,
  // A run that printed nothing has failed too, whatever its status says.
  output: r.code === 0 && r.stdout.length > 0 ? '' : `signal ${r.signal}\n--- stdout ---\n${r.stdout.slice(-2000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`,
});

/** The one line our error is, among whatever TF.js printed on stderr before it. */
export function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('compare:'));
  expect(lines).toHaveLength(1);
  return lines[0];
}

