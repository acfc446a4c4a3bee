/**
 * The run folder (`--out`) is one run's alone: a lock file with the owner's PID keeps a second run
 * out, and a fresh run only starts in a folder that holds nothing it did not write.
 */
import { hostname } from 'node:os';
import { mkdir, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '@zoo/fs/node';
import { UsageError } from './errors';
import { TEMP_PREFIX, writeFileDurable } from './files';

/** The lock's file name inside the run folder. */
export const LOCK_FILE = '.lock';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface RunFolder {
  dir: string;
  /** Lets the folder go; safe to call twice. `discard` also removes the folder when this run made it. */
  release(options?: { discard?: boolean }): Promise<void>;
}

/** An fs error on the run folder as the one line a CLI error is. */
function folderError(dir: string, err: unknown): UsageError {
  const e = err as NodeJS.ErrnoException;
  const why =
    e.code === 'EACCES' || e.code === 'EPERM'
      ? 'permission denied'
      : e.code === 'EROFS'
        ? 'the file system is read-only'
        : e.code === 'ENOTDIR' || e.code === 'EEXIST'
          ? 'a file is in the way of the folder'
          : e.code === 'ENOSPC'
            ? 'the disk is full'
            : (e.message ?? String(err));
  return new UsageError(`--out: cannot write to ${JSON.stringify(dir)} (${e.code ? `${e.code}: ` : ''}${why}); expected a folder this user can create and write`);
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.host === 'string') return owner as LockOwner;
  } catch {
    // Unreadable or half-written (its writer died between open and write): no owner to wait for.
  }
  return undefined;
}

/** Creates the lock file, failing with EEXIST when it is there: `wx` makes taking it atomic. */
async function createLock(file: string): Promise<void> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  await writeFileDurable(file, `${JSON.stringify(owner)}\n`, { exclusive: true });
}

/**
 * Takes the run folder `dir` (creating it if need be) for this process. Refuses, naming the other
 * process, when a live one holds it; takes over a lock whose process is gone (a run killed with
 * `kill -9` or by the OOM killer). Errors are UsageErrors that name --out.
 */
export async function lockRunFolder(dir: string): Promise<RunFolder> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true });
  } catch (err) {
    throw folderError(dir, err);
  }
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      await createLock(file);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        if (created !== undefined) await rm(created, { recursive: true, force: true });
        throw folderError(dir, err);
      }
    }
    const owner = await readOwner(file);
    const here = owner === undefined || owner.host === hostname();
    if (attempt > 0 || (owner !== undefined && (!here || isProcessAlive(owner.pid)))) {
      const who = owner === undefined ? 'another run' : `process ${owner.pid}${here ? '' : ` on ${owner.host}`} (started ${owner.startedAt})`;
      throw new UsageError(
        `--out: ${JSON.stringify(dir)} is in use by ${who}; expected a folder no other run is using (wait for that run, stop it, or pick another --out)`,
      );
    }
    // The owner is dead: its lock is stale. One retry, so that two runs taking over at once cannot both win.
    await unlink(file).catch(() => undefined);
  }
  // A second Ctrl-C ends the process with process.exit, past any finally: the lock goes with it.
  const onExit = () => {
    try {
      unlinkSync(file);
    } catch {
      // Already gone.
    }
  };
  process.on('exit', onExit);
  let released = false;
  return {
    dir,
    async release(options = {}) {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      await unlink(file).catch(() => undefined);
      if (options.discard && created !== undefined) await rm(created, { recursive: true, force: true });
    },
  };
}

/** What a locked folder holds besides the lock. */
async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n !== LOCK_FILE);
}

/**
 * A new run writes only into a folder that holds nothing, so that its report never replaces a file
 * it did not write; a folder holding an earlier run is pointed at --resume.
 */
export async function assertFreshFolder(dir: string): Promise<void> {
  const names = await entries(dir);
  if (names.includes('run.json')) {
    throw new UsageError(`--out: got ${JSON.stringify(dir)}, which already holds a run; expected a new folder, or --resume to continue that one`);
  }
  if (names.length > 0) {
    const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? `, … (${names.length} entries)` : '');
    throw new UsageError(`--out: got ${JSON.stringify(dir)}, which holds files no run wrote (${shown}); expected a new or empty folder`);
  }
}

/** Removes what an interrupted run left half-written at the top of its folder (the trainer sweeps its own). */
export async function sweepTempFiles(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(TEMP_PREFIX)) await rm(join(dir, name), { recursive: true, force: true });
  }
}
