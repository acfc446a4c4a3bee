import { parseIdx, type Split } from '@zoo/datasets';

/** Where a file of the site is, relative to the page: the build uses relative URLs, so the site works from any folder. */
export function siteUrl(path: string): string {
  return new URL(path, document.baseURI).href;
}

async function fetchBytes(path: string): Promise<Uint8Array> {
  const url = siteUrl(path);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
  return new Uint8Array(await response.arrayBuffer());
}

/** The shipped sample (scripts/make-sample.ts): 500 test images, image i of class i % 10. */
export async function loadSample(): Promise<Split> {
  const [imageBytes, labelBytes] = await Promise.all([fetchBytes('sample/images.idx3'), fetchBytes('sample/labels.idx1')]);
  const images = parseIdx(imageBytes, 'sample/images.idx3');
  const labels = parseIdx(labelBytes, 'sample/labels.idx1');
  const [count, height, width] = images.shape;
  if (images.shape.length !== 3 || labels.shape.length !== 1 || labels.shape[0] !== count) {
    throw new Error(`sample: expected [n, h, w] images and [n] labels, got [${images.shape.join(', ')}] and [${labels.shape.join(', ')}]`);
  }
  return { images: images.data, labels: labels.data, count, height, width };
}

/** The first `count` images of a split (the sample is interleaved by class, so a prefix stays balanced). */
export function slice(split: Split, from: number, to: number): Split {
  const pixels = split.height * split.width;
  return {
    images: split.images.subarray(from * pixels, to * pixels),
    labels: split.labels.subarray(from, to),
    count: to - from,
    height: split.height,
    width: split.width,
  };
}

/** One image's grey pixels. */
export function imageAt(split: Split, i: number): Uint8Array {
  const pixels = split.height * split.width;
  return split.images.subarray(i * pixels, (i + 1) * pixels);
}
