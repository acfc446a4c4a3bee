/**
 * Whole files or nothing. A file is written under a temporary name in its final folder, flushed to
 * the disk, and renamed into place, and then the folder itself is flushed, so a reader, a crash or a
 * power cut sees the old file or the new one, never half of one. The zoo's one writer: checkpoints,
 * saved models, downloads, reports and run state all go through it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Prefix of every temporary file {@link writeFileAtomic} makes, so that a sweep after a crash can find them. */
export const TEMP_PREFIX = '.tmp-';

/** What {@link writeFileDurable} writes: the whole content, or its chunks as they arrive (a download). */
export type FileContent = string | Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Writes `data` to `path` and flushes it to the disk before returning (no rename: see
 * {@link writeFileAtomic}). With `exclusive`, fails with EEXIST when `path` exists, so that creating
 * it is atomic (a lock file, a part file no other process may share).
 */
export async function writeFileDurable(path: string, data: FileContent, options: { exclusive?: boolean } = {}): Promise<void> {
  const file = await open(path, options.exclusive === true ? 'wx' : 'w');
  try {
    await writeFile(file, data);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Flushes a directory's entries (a rename into it) to disk where the platform allows it (not on Windows). */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Directories cannot be opened or fsync'd on some platforms; the rename is still atomic.
  } finally {
    await handle?.close();
  }
}

/**
 * Renames a complete, flushed file (written by {@link writeFileDurable}) over `path` and flushes the
 * folder, so the new name survives a power cut. For a file that is checked between writing and
 * publishing it, as a download is.
 */
export async function moveIntoPlace(temp: string, path: string): Promise<void> {
  await rename(temp, path);
  await syncDir(dirname(path));
}

/**
 * Writes a whole file or nothing: the data goes to a temporary file in the same folder (named
 * {@link TEMP_PREFIX}…), is flushed, and is renamed over `path`; the folder is created if needed.
 */
export async function writeFileAtomic(path: string, data: FileContent): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `${TEMP_PREFIX}${basename(path)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFileDurable(temp, data);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDir(dir);
}
