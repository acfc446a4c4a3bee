import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

// The repo's one atomic writer and the prefix of its temporary files, for the app's own files.
export { TEMP_PREFIX, writeFileAtomic, writeFileDurable } from '@zoo/fs/node';

/**
 * Relative paths are taken from where the user typed the command: `pnpm --filter compare start` runs
 * us inside apps/compare, and pnpm records the original directory in INIT_CWD.
 */
export function userPath(path: string): string {
  if (isAbsolute(path)) return path;
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

export async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

/** `runs/2026-01-31T12-00-00` style names sort by time, so the newest is the last. */
export function timestampName(date = new Date()): string {
  return date.toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
}

/** The newest run directory under `root` that has a `run.json`, for `--resume` without `--out`. */
export async function latestRunDir(root: string): Promise<string | undefined> {
  const names = await readdir(root).catch(() => [] as string[]);
  for (const name of names.sort().reverse()) {
    const dir = join(root, name);
    if (await isFile(join(dir, 'run.json'))) return dir;
  }
  return undefined;
}
