/**
 * What went wrong, as a stable string a caller can branch on (messages are for people and may change).
 *
 * - `INVALID_ARGUMENT`: an option or argument has the wrong type or range.
 * - `NOT_FOUND`: no copy of the data set anywhere the loader looked, and no download was possible
 *   (disabled, or failed: then the `DOWNLOAD` error is its `cause`).
 * - `CORRUPT`: a file exists but is not a valid (gzipped) IDX file of the expected shape.
 * - `CHECKSUM`: a file parses but its bytes are not the published ones.
 * - `DOWNLOAD`: fetching from the mirror failed after all retries.
 */
export type DatasetErrorCode = 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'CORRUPT' | 'CHECKSUM' | 'DOWNLOAD';

/** Every error this package throws on purpose. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';

  constructor(
    readonly code: DatasetErrorCode,
    message: string,
    /** The file (or URL) the error is about, when there is one. */
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function invalidArgument(what: string, received: unknown, expected: string): DatasetError {
  return new DatasetError('INVALID_ARGUMENT', `${what} must be ${expected}; received ${describeValue(received)}`);
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}
