import { readdir } from 'node:fs/promises';
import { DatasetError, FASHION_MNIST, type Split } from '@zoo/datasets';
import { describeSource, loadDataset, type MnistLike } from '@zoo/datasets/node';
import { UsageError } from './errors';
import { userPath } from './files';
import type { SharedSplit } from './worker-protocol';

/**
 * An explicit --data-dir must hold the data: the loader would otherwise fall back to the cache or the
 * system copy, and a typo in the path would go unnoticed.
 */
async function checkDataDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => undefined);
  const names = Object.values(FASHION_MNIST.files).map((f) => f.name);
  if (entries === undefined) throw new UsageError(`--data-dir: got ${JSON.stringify(dir)}; expected an existing folder with the Fashion-MNIST files (${names.join(', ')}, .gz or raw)`);
  const missing = names.filter((n) => !entries.includes(n) && !entries.includes(`${n}.gz`));
  if (missing.length > 0) {
    throw new UsageError(`--data-dir: got ${JSON.stringify(dir)}, which lacks ${missing.join(', ')}; expected the four Fashion-MNIST files there (.gz or raw)`);
  }
}

/** The loader's multi-line "not found" as the one line a CLI error is. */
function oneLine(err: DatasetError): string {
  const lines = err.message.split('\n').map((l) => l.replace(/^\s*-\s*/, '').trim());
  const cut = lines.findIndex((l) => l.startsWith('To get the data'));
  const looked = (cut < 0 ? lines.slice(1) : lines.slice(1, cut)).join('; ');
  return (
    `data: Fashion-MNIST not found (looked in ${looked}); expected the four Fashion-MNIST .gz files in --data-dir DIR, ` +
    `or \`apt-get install dataset-fashion-mnist\`, or network access to download them`
  );
}

export interface LoadedData {
  data: MnistLike;
  description: string;
}

/**
 * Loads Fashion-MNIST. A relative --data-dir or ZOO_DATA_DIR means relative to where the command was
 * typed, as --out does, not to apps/compare, where pnpm runs us.
 */
export async function loadData(options: { dataDir?: string; download?: boolean }): Promise<LoadedData> {
  const dir = options.dataDir === undefined ? undefined : userPath(options.dataDir);
  if (dir !== undefined) await checkDataDir(dir);
  const env = { ...process.env };
  if (env.ZOO_DATA_DIR) env.ZOO_DATA_DIR = userPath(env.ZOO_DATA_DIR);
  try {
    const data = await loadDataset(FASHION_MNIST, { dir, download: options.download ?? true }, env);
    return { data, description: describeSource(data.source) };
  } catch (err) {
    if (err instanceof DatasetError) {
      if (err.code === 'NOT_FOUND') throw new UsageError(oneLine(err));
      throw new UsageError(`data: ${err.message.replace(/\s*\n\s*/g, ' ')}`);
    }
    throw err;
  }
}

/** Copies a split into SharedArrayBuffers once, so that every worker reads the same memory. */
export function shareSplit(split: Split): SharedSplit {
  const share = (bytes: Uint8Array) => {
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
    shared.set(bytes);
    return shared;
  };
  return { images: share(split.images), labels: share(split.labels), count: split.count, height: split.height, width: split.width };
}
