/**
 * Writes the playground's sample of the Fashion-MNIST test set: the first PER_CLASS test images of
 * each class, interleaved by class (image i has label i % 10), so any prefix of the file is balanced
 * too (the page trains on the first 400 and holds out the last 100). Fashion-MNIST's own IDX format,
 * which @zoo/datasets' browser-safe parseIdx reads back in the page.
 *
 *   pnpm --filter playground sample [folder with the four .gz files]
 *   (default /usr/share/datasets/fashion-mnist, else the download cache of @zoo/datasets)
 */
import { loadFashionMnist } from '@zoo/datasets/node';
import { writeFileAtomic } from '@zoo/fs/node';
import { join } from 'node:path';

export const PER_CLASS = 50;
const CLASSES = 10;
const OUT = join(import.meta.dirname, '..', 'public', 'sample');

/** An IDX file of unsigned bytes (type 0x08) with the given dimensions. */
function idx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
  const { test, source } = await loadFashionMnist({ dir, download: false });
  const pixels = test.height * test.width;
  const byClass: number[][] = Array.from({ length: CLASSES }, () => []);
  for (let i = 0; i < test.count; i++) {
    const list = byClass[test.labels[i]];
    if (list.length < PER_CLASS) list.push(i);
  }
  const count = PER_CLASS * CLASSES;
  const images = new Uint8Array(count * pixels);
  const labels = new Uint8Array(count);
  const indices: number[] = [];
  for (let k = 0; k < count; k++) {
    const from = byClass[k % CLASSES][Math.floor(k / CLASSES)];
    images.set(test.images.subarray(from * pixels, (from + 1) * pixels), k * pixels);
    labels[k] = test.labels[from];
    indices.push(from);
  }
  await writeFileAtomic(join(OUT, 'images.idx3'), idx([count, test.height, test.width], images));
  await writeFileAtomic(join(OUT, 'labels.idx1'), idx([count], labels));
  // Which test images they are, so a result on the sample can be traced back to the full set.
  await writeFileAtomic(join(OUT, 'indices.json'), `${JSON.stringify(indices)}\n`);
  console.log(`playground: wrote ${count} test images (${PER_CLASS} per class) to ${OUT} from ${source.dir} (${source.verified} verified)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
