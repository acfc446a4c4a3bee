import { mkdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { moveIntoPlace } from '@zoo/fs/node';
import { FASHION_MNIST, MNIST, SPLIT_FILES, type DatasetSpec, type IdxFileSpec, type SplitFile } from '../catalog';
import { DatasetError, invalidArgument, isPositiveInteger } from '../errors';
import type { Verification } from '../idx';
import type { Split } from '../split';
import { downloadToPartFile, type DownloadEvent } from './download';
import { terminalProgress } from './progress-bar';
import { readIdxFile, weakest, type VerifiedIdx } from './read-idx';

/**
 * Where a loaded data set came from, in the order the loader looks:
 * `dir` (the `dir` option), `env` (`$ZOO_DATA_DIR/<id>`), `cache` (the user cache), `system` (a
 * system package such as Debian's), `download` (fetched just now into the user cache).
 */
export type SourceKind = 'dir' | 'env' | 'cache' | 'system' | 'download';

/** Provenance of a loaded data set, for logs and reports (see {@link describeSource}). */
export interface DataSource {
  readonly kind: SourceKind;
  /** Folder the files were read from (for `download`, the cache folder they were saved into). */
  readonly dir: string;
  /** Mirror the files were fetched from; only for `download`. */
  readonly url?: string;
  /** The weakest check any of the four files passed (`sha256` > `md5` > `structure`). */
  readonly verified: Verification;
  /** The data set's title, e.g. `Fashion-MNIST`. */
  readonly dataset: string;
}

/** A loaded MNIST-like data set. */
export interface MnistLike {
  readonly train: Split;
  readonly test: Split;
  /** Class names indexed by label. */
  readonly classNames: string[];
  readonly source: DataSource;
}

/** Where to look for a data set and how to download it. */
export interface LoadOptions {
  /** Folder holding the four IDX files (`.gz` or raw); looked at first. Default: none. */
  dir?: string;
  /** Download into the user cache when no local copy exists. Default: `true`. */
  download?: boolean;
  /** Mirror to download from. Default: the spec's environment variable (`ZOO_FASHION_MNIST_URL`, `ZOO_MNIST_URL`) if set, else the canonical mirror. */
  baseUrl?: string;
  /** Cache root; the data set lives in `<cacheDir>/<id>`. Default: `$XDG_CACHE_HOME/zoo`, else `~/.cache/zoo`. */
  cacheDir?: string;
  /** Download progress. Default: a progress bar on stderr when stderr is a terminal, else nothing. */
  onProgress?: (event: DownloadEvent) => void;
  /** Further tries after a failed download of one file. Default: `3`. */
  retries?: number;
  /** Wait before the first retry, doubled for each further one. Default: `1000` ms. */
  retryDelayMs?: number;
  /** Abort a try when no bytes arrive for this long. Default: `30000` ms. */
  idleTimeoutMs?: number;
}

/** Environment variables the loader reads (a parameter so tests and tools can pass their own). */
export type Env = Readonly<Record<string, string | undefined>>;

/** The user cache root: `$XDG_CACHE_HOME/zoo`, else `~/.cache/zoo`. */
export function defaultCacheDir(env: Env = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  return xdg && xdg.startsWith('/') ? join(xdg, 'zoo') : join(homedir(), '.cache', 'zoo');
}

interface Candidate {
  readonly kind: Exclude<SourceKind, 'download'>;
  readonly dir: string;
  /** How the place was chosen, for the not-found message. */
  readonly label: string;
}

type FilePaths = Record<SplitFile, string>;

/** Which of the four files `dir` holds (`.gz` preferred over raw). */
async function findFiles(spec: DatasetSpec, dir: string): Promise<{ found: Partial<FilePaths>; missing: string[] }> {
  const found: Partial<FilePaths> = {};
  const missing: string[] = [];
  for (const key of SPLIT_FILES) {
    const name = spec.files[key].name;
    const path = (await firstFile([join(dir, `${name}.gz`), join(dir, name)])) ?? undefined;
    if (path) found[key] = path;
    else missing.push(`${name}[.gz]`);
  }
  return { found, missing };
}

async function firstFile(paths: string[]): Promise<string | null> {
  for (const path of paths) {
    try {
      if ((await stat(path)).isFile()) return path;
    } catch {
      // absent: try the next name
    }
  }
  return null;
}

function isComplete(found: Partial<FilePaths>): found is FilePaths {
  return SPLIT_FILES.every((key) => found[key] !== undefined);
}

function resolveBaseUrl(spec: DatasetSpec, options: LoadOptions, env: Env): string {
  const [raw, what] =
    options.baseUrl !== undefined
      ? [options.baseUrl, 'options.baseUrl']
      : env[spec.baseUrlEnv]
        ? [env[spec.baseUrlEnv] as string, `$${spec.baseUrlEnv}`]
        : [spec.baseUrl, `${spec.id} baseUrl`];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidArgument(what, raw, 'an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidArgument(what, raw, 'an http:// or https:// URL');
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

function checkOptions(options: LoadOptions): void {
  const nonNegativeInteger = (name: keyof LoadOptions) => {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
      throw invalidArgument(`options.${name}`, value, 'a non-negative integer');
    }
  };
  nonNegativeInteger('retries');
  nonNegativeInteger('retryDelayMs');
  if (options.idleTimeoutMs !== undefined && !isPositiveInteger(options.idleTimeoutMs)) {
    throw invalidArgument('options.idleTimeoutMs', options.idleTimeoutMs, 'a positive integer (milliseconds)');
  }
  for (const name of ['dir', 'cacheDir'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw invalidArgument(`options.${name}`, value, 'a non-empty path');
    }
  }
  if (options.download !== undefined && typeof options.download !== 'boolean') {
    throw invalidArgument('options.download', options.download, 'true or false');
  }
}

/**
 * Loads an MNIST-layout data set, looking in order at: `options.dir`; `$ZOO_DATA_DIR/<id>`; the user
 * cache (`$XDG_CACHE_HOME/zoo/<id>` or `~/.cache/zoo/<id>`); the spec's system folder (Debian's
 * `/usr/share/datasets/fashion-mnist`); else it downloads the missing `.gz` files into the cache,
 * checking each one's published MD5 before it gets its final name.
 *
 * Whatever the source, every file is parsed and checked against the spec (shape; decompressed
 * SHA-256 where the spec has one). A copy that is present but fails a check is an error, never
 * silently skipped. SHA-256 is recomputed on every load on purpose: it costs about 35 ms for the
 * 47 MB training images, against about 450 ms to inflate them (docs/performance.md).
 *
 * @param spec the data set: {@link FASHION_MNIST}, {@link MNIST}, or another in the same layout
 * @param env environment to read `ZOO_DATA_DIR`, `XDG_CACHE_HOME` and the mirror variable from
 * @throws {DatasetError} `NOT_FOUND` listing every place looked at and how to get the data;
 *   `CORRUPT` / `CHECKSUM` naming the bad file; `INVALID_ARGUMENT` for bad options.
 */
export async function loadDataset(spec: DatasetSpec, options: LoadOptions = {}, env: Env = process.env): Promise<MnistLike> {
  checkOptions(options);
  const baseUrl = resolveBaseUrl(spec, options, env);
  const candidates: (Candidate | { readonly skipped: string })[] = [];
  if (options.dir !== undefined) candidates.push({ kind: 'dir', dir: resolve(options.dir), label: 'options.dir' });
  if (env.ZOO_DATA_DIR) {
    candidates.push({ kind: 'env', dir: resolve(env.ZOO_DATA_DIR, spec.id), label: `$ZOO_DATA_DIR/${spec.id}` });
  } else {
    candidates.push({ skipped: `$ZOO_DATA_DIR/${spec.id}: ZOO_DATA_DIR is not set` });
  }
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir(env), spec.id);
  candidates.push({ kind: 'cache', dir: cacheDir, label: 'user cache' });
  if (spec.systemDir) {
    const label = spec.aptPackage ? `Debian package ${spec.aptPackage}` : 'system folder';
    candidates.push({ kind: 'system', dir: spec.systemDir, label });
  }

  const looked: string[] = [];
  let cached: Partial<FilePaths> = {};
  for (const candidate of candidates) {
    if ('skipped' in candidate) {
      looked.push(candidate.skipped);
      continue;
    }
    const { found, missing } = await findFiles(spec, candidate.dir);
    if (candidate.kind === 'cache') cached = found;
    if (isComplete(found)) {
      const reading = readDataset(spec, found, { kind: candidate.kind, dir: candidate.dir, dataset: spec.title });
      return candidate.kind === 'cache' ? withCacheHint(reading, candidate.dir) : reading;
    }
    const what = missing.length === SPLIT_FILES.length ? 'no data set files' : `missing ${missing.join(', ')}`;
    looked.push(`${candidate.label} ${candidate.dir}: ${what}`);
  }

  const notFound = (why: string, cause?: unknown) =>
    new DatasetError(
      'NOT_FOUND',
      [
        `${spec.title} not found. Looked in:`,
        ...looked.map((line) => `  - ${line}`),
        `  - download from ${baseUrl}: ${why}`,
        'To get the data, do one of:',
        ...(spec.aptPackage ? [`  - apt-get install ${spec.aptPackage}   (Debian/Ubuntu; puts it in ${spec.systemDir})`] : []),
        `  - put the four files (${SPLIT_FILES.map((k) => `${spec.files[k].name}.gz`).join(', ')}) in ${cacheDir}, or in a folder passed as options.dir or $ZOO_DATA_DIR/${spec.id}`,
        `  - load again with network access to ${baseUrl} (or a mirror set with options.baseUrl or $${spec.baseUrlEnv})`,
      ].join('\n'),
      undefined,
      { cause },
    );
  if (options.download === false) throw notFound('disabled (download: false)');

  try {
    await mkdir(cacheDir, { recursive: true });
  } catch (error) {
    throw notFound(`cannot create the cache folder (${(error as Error).message})`, error);
  }
  const onProgress = options.onProgress ?? (process.stderr.isTTY ? terminalProgress(spec.title) : undefined);
  const files: Partial<Record<SplitFile, VerifiedIdx>> = {};
  const paths: Partial<FilePaths> = { ...cached };
  for (const key of SPLIT_FILES) {
    const fileSpec = spec.files[key];
    const existing = cached[key];
    if (existing) {
      files[key] = await withCacheHint(readIdxFile(existing, fileSpec), cacheDir);
      continue;
    }
    try {
      files[key] = await downloadVerified(fileSpec, baseUrl, cacheDir, options, onProgress);
    } catch (error) {
      if (error instanceof DatasetError && error.code === 'DOWNLOAD') throw notFound(`failed: ${error.message}`, error);
      throw error;
    }
    paths[key] = join(cacheDir, `${fileSpec.name}.gz`);
  }
  return assemble(spec, files as Record<SplitFile, VerifiedIdx>, paths as FilePaths, {
    kind: 'download',
    dir: cacheDir,
    url: baseUrl,
    dataset: spec.title,
  });
}

/** A bad file in the cache is ours to replace: say how. */
async function withCacheHint<T>(reading: Promise<T>, dir: string): Promise<T> {
  try {
    return await reading;
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    const hint = `(this is the zoo cache: delete ${dir} and load again to download a fresh copy)`;
    throw new DatasetError(error.code, `${error.message} ${hint}`, error.file, { cause: error });
  }
}

async function downloadVerified(
  fileSpec: IdxFileSpec,
  baseUrl: string,
  cacheDir: string,
  options: LoadOptions,
  onProgress: ((event: DownloadEvent) => void) | undefined,
): Promise<VerifiedIdx> {
  const fileName = `${fileSpec.name}.gz`;
  const part = await downloadToPartFile(new URL(fileName, baseUrl).href, cacheDir, fileName, {
    retries: options.retries ?? 3,
    retryDelayMs: options.retryDelayMs ?? 1000,
    idleTimeoutMs: options.idleTimeoutMs ?? 30000,
    md5: fileSpec.gzMd5,
    onProgress,
  });
  try {
    const verified = await readIdxFile(part, fileSpec);
    await moveIntoPlace(part, join(cacheDir, fileName));
    return verified;
  } catch (error) {
    await rm(part, { force: true });
    if (error instanceof DatasetError) {
      throw new DatasetError(error.code, `${error.message} (downloaded from ${baseUrl}; nothing was saved)`, error.file, { cause: error });
    }
    throw error;
  }
}

async function readDataset(spec: DatasetSpec, paths: FilePaths, source: Omit<DataSource, 'verified'>): Promise<MnistLike> {
  const read = await Promise.all(SPLIT_FILES.map((key) => readIdxFile(paths[key], spec.files[key])));
  const files = Object.fromEntries(SPLIT_FILES.map((key, i) => [key, read[i]])) as Record<SplitFile, VerifiedIdx>;
  return assemble(spec, files, paths, source);
}

function assemble(
  spec: DatasetSpec,
  files: Record<SplitFile, VerifiedIdx>,
  paths: FilePaths,
  source: Omit<DataSource, 'verified'>,
): MnistLike {
  const split = (images: SplitFile, labels: SplitFile): Split => {
    const x = files[images];
    const y = files[labels];
    if (x.shape.length !== 3 || y.shape.length !== 1) {
      throw new DatasetError('CORRUPT', `${paths[images]}: images must be 3-dimensional and labels 1-dimensional`, paths[images]);
    }
    const [count, height, width] = x.shape;
    if (y.shape[0] !== count) {
      throw new DatasetError(
        'CORRUPT',
        `${paths[labels]} has ${y.shape[0]} labels but ${paths[images]} has ${count} images`,
        paths[labels],
      );
    }
    const classes = spec.classNames.length;
    const bad = y.data.findIndex((label) => label >= classes);
    if (bad >= 0) {
      throw new DatasetError(
        'CORRUPT',
        `${paths[labels]}: label ${y.data[bad]} at index ${bad} is not a class index 0..${classes - 1}`,
        paths[labels],
      );
    }
    // Plain views (not Buffers) so callers never see bytes of Node's shared buffer pool.
    return {
      images: new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.length),
      labels: new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.length),
      count,
      height,
      width,
    };
  };
  return {
    train: split('trainImages', 'trainLabels'),
    test: split('testImages', 'testLabels'),
    classNames: [...spec.classNames],
    source: { ...source, verified: weakest(SPLIT_FILES.map((key) => files[key].verification)) },
  };
}

/** Loads Fashion-MNIST (see {@link loadDataset} for where it looks and what it checks). */
export function loadFashionMnist(options?: LoadOptions): Promise<MnistLike> {
  return loadDataset(FASHION_MNIST, options);
}

/** Loads MNIST digits (see {@link loadDataset}; MNIST is checked by the published `.gz` MD5s and structure). */
export function loadMnist(options?: LoadOptions): Promise<MnistLike> {
  return loadDataset(MNIST, options);
}

const VERIFIED_TEXT: Record<Verification, string> = {
  sha256: 'SHA-256 verified',
  md5: 'MD5 of the published .gz verified',
  structure: 'structure checked, no checksum known for this copy',
};

/** One line saying where a data set came from and how it was checked, for logs and reports. */
export function describeSource(source: DataSource): string {
  const where: Record<SourceKind, string> = {
    dir: `from ${source.dir}`,
    env: `from ${source.dir} ($ZOO_DATA_DIR)`,
    cache: `from the cache ${source.dir}`,
    system: `from ${source.dir} (system package)`,
    download: `downloaded from ${source.url ?? 'the mirror'} into ${source.dir}`,
  };
  return `${source.dataset} ${where[source.kind]}, ${VERIFIED_TEXT[source.verified]}`;
}
