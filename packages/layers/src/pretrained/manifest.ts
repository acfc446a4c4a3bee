/**
 * The zoo's weights manifest: what a folder of trained weights is, how it was made and how well it
 * does, in the spirit of torchvision's `Weights.meta`. Browser-safe: no Node imports.
 */
import type { TrainingDefaults } from '../model-info';

/** `format` of every zoo manifest. */
export const WEIGHTS_FORMAT = 'zoo-weights';
/** Version of the manifest layout; a loader refuses newer ones. */
export const WEIGHTS_FORMAT_VERSION = 1;
/** File name of the manifest inside a weights folder. */
export const MANIFEST_JSON = 'manifest.json';

/** How raw pixels (0..255) become the model's input: `x * scale + offset`. */
export interface Normalization {
  readonly scale: number;
  readonly offset: number;
}

/** The input a model expects, per image. */
export interface InputSpec {
  /** Square side in pixels. */
  readonly size: number;
  /** 1 (grayscale) or 3 (RGB). */
  readonly channels: number;
  readonly layout: 'NHWC';
  readonly normalization: Normalization;
}

/**
 * One epoch of the run that made the weights: the fields of `@zoo/trainer`'s `EpochRecord` that a
 * manifest keeps (the trainer's record extends this one, so the two cannot drift). The zoo's one
 * convention for epoch records: `epoch` counts from 0 (as TF.js's callbacks do), and a number that
 * was not measured is `null`; whatever shows epochs to people adds 1 where it prints them.
 */
export interface ManifestEpoch {
  /** Epoch index, 0-based. */
  readonly epoch: number;
  /** Mean training cross-entropy over the epoch's examples, each taken with the weights of its batch (as D2L's `train_ch6`). */
  readonly loss: number;
  /** Training accuracy over the epoch, counted the same way. */
  readonly trainAcc: number;
  /** Mean cross-entropy on the test split after the epoch; null without one. */
  readonly testLoss: number | null;
  /** Accuracy on the test split after the epoch; null without one. */
  readonly testAcc: number | null;
  /** Learning rate of the epoch's last step. */
  readonly lr: number;
  /** Wall time of the epoch in seconds: training and evaluation, not checkpoint writing. */
  readonly seconds: number;
}

/** `manifest.json` of a weights folder. */
export interface WeightsManifest {
  readonly format: typeof WEIGHTS_FORMAT;
  readonly formatVersion: number;
  /** Registry name of the architecture, e.g. `alexnet-mini`. */
  readonly model: string;
  /** The config `createModel(model, config)` was given (seed and any overrides). */
  readonly config: Readonly<Record<string, unknown>>;
  /** File names, relative to the folder. */
  readonly files: { readonly model: string; readonly weights: readonly string[] };
  /** Hex SHA-256 of the weights files' bytes, concatenated in `files.weights` order. */
  readonly sha256: string;
  /** Total bytes of the weights files. */
  readonly bytes: number;
  readonly params: number;
  /** Class names, indexed by output unit. */
  readonly categories: readonly string[];
  readonly input: InputSpec;
  /** Data set the weights were trained and tested on, e.g. `fashion-mnist`. */
  readonly dataset: string;
  /** Accuracy on the test split, measured after training with the saved weights. */
  readonly testAccuracy: number;
  /** Mean cross-entropy on the test split. */
  readonly testLoss: number;
  /** Test images the two numbers above are measured on. */
  readonly testExamples: number;
  /** The recipe actually used (the registry's `training` metadata, with any overrides). */
  readonly recipe: TrainingDefaults | Readonly<Record<string, unknown>>;
  /** The command that re-creates the weights. */
  readonly command: string;
  /** Backend the weights were trained on, as the trainer's log line describes it. */
  readonly backend: string;
  /** Wall time of training (evaluation after each epoch included). */
  readonly trainSeconds: number;
  /** ISO time the manifest was written. */
  readonly createdAt: string;
  /** Test accuracy the weights were meant to reach, and whether they did; absent where none was set. */
  readonly target?: { readonly testAccuracy: number; readonly met: boolean };
  /** What a user must know about these weights beyond the numbers (a missed target, an interim snapshot). */
  readonly note?: string;
  /** Per-epoch history of the run. */
  readonly history?: readonly ManifestEpoch[];
}

/** A manifest or weights file that is missing, malformed, for another model, or does not match its checksum. */
export class WeightsError extends Error {
  override name = 'WeightsError';
  constructor(
    /** The file (path or URL) at fault. */
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** Hex SHA-256 of the bytes, with the Web Crypto API (Node 20 and browsers alike). */
export async function sha256Hex(parts: readonly Uint8Array[]): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) throw new Error('sha256: globalThis.crypto.subtle is not available (needs Node 20+ or a browser in a secure context)');
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.byteLength;
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', joined));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function fail(file: string, what: string, value: unknown): never {
  throw new WeightsError(file, `${what}; got ${JSON.stringify(value)?.slice(0, 80) ?? String(value)}`);
}

/**
 * Checks that `value` (parsed from `file`) is a zoo manifest this version can read, and, when
 * `expectedModel` is given, that it is for that architecture.
 */
export function parseManifest(value: unknown, file: string, expectedModel?: string): WeightsManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(file, 'expected a JSON object (a zoo weights manifest)', value);
  const m = value as Record<string, unknown>;
  if (m.format !== WEIGHTS_FORMAT) fail(file, `format must be '${WEIGHTS_FORMAT}' (is this a zoo weights manifest?)`, m.format);
  if (typeof m.formatVersion !== 'number' || m.formatVersion > WEIGHTS_FORMAT_VERSION) {
    fail(file, `formatVersion must be a number <= ${WEIGHTS_FORMAT_VERSION} (written by a newer zoo?)`, m.formatVersion);
  }
  if (typeof m.model !== 'string') fail(file, 'model must be a registry name', m.model);
  if (expectedModel !== undefined && m.model !== expectedModel) {
    throw new WeightsError(file, `is a manifest for '${m.model}', not for '${expectedModel}'; point to the weights of '${expectedModel}'`);
  }
  const files = m.files as Record<string, unknown> | undefined;
  if (typeof files !== 'object' || files === null || typeof files.model !== 'string' || !Array.isArray(files.weights) || files.weights.length === 0 || !files.weights.every((w) => typeof w === 'string')) {
    fail(file, "files must be { model: 'model.json', weights: [file names] }", files);
  }
  for (const name of [files.model as string, ...(files.weights as string[])]) {
    // Names are relative to the folder; anything else could read outside it.
    if (name === '' || name.includes('/') || name.includes('\\') || name.startsWith('.')) fail(file, 'file names must be plain names inside the folder', name);
  }
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) fail(file, 'sha256 must be 64 lower-case hex digits', m.sha256);
  if (!Array.isArray(m.categories) || !m.categories.every((c) => typeof c === 'string')) fail(file, 'categories must be a list of class names', m.categories);
  const input = m.input as Record<string, unknown> | undefined;
  const norm = input?.normalization as Record<string, unknown> | undefined;
  if (
    typeof input !== 'object' ||
    input === null ||
    !Number.isInteger(input.size) ||
    !(input.channels === 1 || input.channels === 3) ||
    input.layout !== 'NHWC' ||
    typeof norm?.scale !== 'number' ||
    typeof norm.offset !== 'number'
  ) {
    fail(file, "input must be { size, channels: 1 | 3, layout: 'NHWC', normalization: { scale, offset } }", input);
  }
  for (const key of ['bytes', 'params', 'testAccuracy', 'testLoss', 'testExamples'] as const) {
    if (typeof m[key] !== 'number' || !Number.isFinite(m[key])) fail(file, `${key} must be a number`, m[key]);
  }
  return value as WeightsManifest;
}
