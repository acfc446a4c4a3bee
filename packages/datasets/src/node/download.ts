import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive, writeFileDurable } from '@zoo/fs/node';
import { DatasetError } from '../errors';

/** Bytes arriving for one file. */
export interface DownloadProgressEvent {
  readonly phase: 'download';
  /** File name being downloaded (e.g. `train-images-idx3-ubyte.gz`). */
  readonly file: string;
  readonly url: string;
  readonly receivedBytes: number;
  /** From `Content-Length`; `null` when the server does not say. */
  readonly totalBytes: number | null;
  /** 1 for the first try. */
  readonly attempt: number;
}

/** A try failed and another follows after `delayMs`. */
export interface DownloadRetryEvent {
  readonly phase: 'retry';
  readonly file: string;
  readonly url: string;
  /** The try that failed (1 for the first). */
  readonly attempt: number;
  readonly error: string;
  readonly delayMs: number;
}

/** A file arrived with the expected checksum. */
export interface DownloadDoneEvent {
  readonly phase: 'done';
  readonly file: string;
  readonly url: string;
  readonly receivedBytes: number;
}

/** The last try failed; the download of this file is abandoned. */
export interface DownloadFailedEvent {
  readonly phase: 'failed';
  readonly file: string;
  readonly url: string;
  readonly error: string;
}

/** What `onProgress` receives while a data set is downloaded; every file ends with `done` or `failed`. */
export type DownloadEvent = DownloadProgressEvent | DownloadRetryEvent | DownloadDoneEvent | DownloadFailedEvent;

export interface DownloadSettings {
  retries: number;
  retryDelayMs: number;
  idleTimeoutMs: number;
  md5?: string;
  onProgress?: (event: DownloadEvent) => void;
}

/** A failed try; `retryable` says whether another try could succeed. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly checksum = false,
  ) {
    super(message);
  }
}

interface ErrorLike {
  message: string;
  cause?: { code?: string; message?: string };
}

// Duck-typed: errors from Node internals can come from another realm (jest's VM contexts), where
// `instanceof Error` is false.
function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === 'object' && value !== null && typeof (value as ErrorLike).message === 'string';
}

function describe(error: unknown): string {
  if (!isErrorLike(error)) return String(error);
  // undici reports "fetch failed" and hides the reason (ECONNREFUSED, ENOTFOUND, …) in `cause`.
  const cause = error.cause;
  const detail = typeof cause === 'object' && cause !== null ? (cause.code ?? cause.message) : undefined;
  return detail ? `${error.message}: ${detail}` : error.message;
}

/**
 * Downloads `url` to a fresh `*.part` file in `dir`, checking its MD5, with retries and exponential
 * back-off. Returns the part file's path: the caller verifies the content and renames it into place,
 * so a file under its final name is always complete. Failed tries leave nothing behind.
 */
export async function downloadToPartFile(url: string, dir: string, fileName: string, settings: DownloadSettings): Promise<string> {
  try {
    return await download(url, dir, fileName, settings);
  } catch (error) {
    const reason = error instanceof DatasetError && error.cause instanceof AttemptError ? error.cause.message : describe(error);
    settings.onProgress?.({ phase: 'failed', file: fileName, url, error: reason });
    throw error;
  }
}

async function download(url: string, dir: string, fileName: string, settings: DownloadSettings): Promise<string> {
  await removeStalePartFiles(dir, fileName);
  const part = join(dir, `${fileName}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  const attempts = settings.retries + 1;
  let last: AttemptError | undefined;
  let tried = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    tried = attempt;
    try {
      const receivedBytes = await tryOnce(url, part, fileName, attempt, settings);
      settings.onProgress?.({ phase: 'done', file: fileName, url, receivedBytes });
      return part;
    } catch (error) {
      await rm(part, { force: true });
      if (!(error instanceof AttemptError)) throw error;
      last = error;
      if (!error.retryable || attempt === attempts) break;
      const delayMs = settings.retryDelayMs * 2 ** (attempt - 1);
      settings.onProgress?.({ phase: 'retry', file: fileName, url, attempt, error: error.message, delayMs });
      await sleep(delayMs);
    }
  }
  const tries = `after ${tried} attempt${tried === 1 ? '' : 's'}`;
  throw new DatasetError(
    last?.checksum ? 'CHECKSUM' : 'DOWNLOAD',
    `downloading ${url} failed ${tries}: ${last?.message}; nothing was saved`,
    url,
    { cause: last },
  );
}

async function tryOnce(url: string, part: string, fileName: string, attempt: number, s: DownloadSettings): Promise<number> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${s.idleTimeoutMs} ms`)), s.idleTimeoutMs);
  };
  arm();
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal });
    } catch (error) {
      throw new AttemptError(describe(controller.signal.aborted ? controller.signal.reason : error), true);
    }
    if (!response.ok || !response.body) {
      const status = response.status;
      // Client errors other than timeouts and rate limits will not change on a retry.
      const retryable = status >= 500 || status === 408 || status === 429;
      throw new AttemptError(`HTTP ${status} ${response.statusText}`.trim(), retryable);
    }
    const header = response.headers.get('content-length');
    const totalBytes = header !== null && /^\d+$/.test(header) ? Number(header) : null;
    const md5 = createHash('md5');
    let receivedBytes = 0;
    const reader = response.body.getReader();
    // The chunks as they arrive, each counted, hashed and reported; a read that fails is a retryable attempt.
    async function* chunks(): AsyncIterable<Uint8Array> {
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (error) {
          throw new AttemptError(describe(controller.signal.aborted ? controller.signal.reason : error), true);
        }
        if (chunk.done) return;
        arm();
        md5.update(chunk.value);
        yield chunk.value;
        receivedBytes += chunk.value.length;
        s.onProgress?.({ phase: 'download', file: fileName, url, receivedBytes, totalBytes, attempt });
      }
    }
    // A private part file (exclusive), flushed before it is verified and moved into place.
    await writeFileDurable(part, chunks(), { exclusive: true });
    if (totalBytes !== null && receivedBytes !== totalBytes) {
      throw new AttemptError(`received ${receivedBytes} of ${totalBytes} bytes`, true);
    }
    const digest = md5.digest('hex');
    if (s.md5 && digest !== s.md5) {
      throw new AttemptError(`MD5 of the download is ${digest}, expected ${s.md5}`, true, true);
    }
    return receivedBytes;
  } finally {
    clearTimeout(timer);
  }
}

/** Part files left by a process that died mid-download (its pid no longer runs). */
async function removeStalePartFiles(dir: string, fileName: string): Promise<void> {
  const pattern = new RegExp(`^${fileName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.[0-9a-f]+\\.part$`);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const match = pattern.exec(entry);
    if (match && !isProcessAlive(Number(match[1]))) await rm(join(dir, entry), { force: true });
  }
}
