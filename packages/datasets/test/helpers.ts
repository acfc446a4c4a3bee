import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DatasetSpec } from '../src';

/** An IDX file of unsigned bytes with the given shape, written big-endian as the format says. */
export function idxBytes(shape: number[], data: Uint8Array, type = 0x08): Uint8Array {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
export const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

/** A tiny MNIST-like data set: image i has pixel 0 = i and the rest a pattern; label i = (i + labelOffset) % 10. */
export interface TinySet {
  readonly train: { images: Uint8Array; labels: Uint8Array };
  readonly test: { images: Uint8Array; labels: Uint8Array };
  /** The four decompressed IDX files by published name. */
  readonly files: Record<string, Uint8Array>;
}

export const TINY = { train: 12, test: 5, height: 6, width: 4 } as const;
export const FILE_NAMES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

export function tinySet(labelOffset = 0): TinySet {
  const { height, width } = TINY;
  const make = (count: number, salt: number) => {
    const images = new Uint8Array(count * height * width);
    for (let i = 0; i < images.length; i++) images[i] = (i * 7 + salt) % 256;
    for (let i = 0; i < count; i++) images[i * height * width] = i;
    const labels = Uint8Array.from({ length: count }, (_, i) => (i + labelOffset) % 10);
    return { images, labels };
  };
  const train = make(TINY.train, 1);
  const test = make(TINY.test, 2);
  return {
    train,
    test,
    files: {
      'train-images-idx3-ubyte': idxBytes([TINY.train, height, width], train.images),
      'train-labels-idx1-ubyte': idxBytes([TINY.train], train.labels),
      't10k-images-idx3-ubyte': idxBytes([TINY.test, height, width], test.images),
      't10k-labels-idx1-ubyte': idxBytes([TINY.test], test.labels),
    },
  };
}

/** A spec for {@link tinySet} with its checksums (SHA-256 of content, MD5 of the given gzip bytes). */
export function tinySpec(set: TinySet, gz: Record<string, Uint8Array>, extra: Partial<DatasetSpec> = {}): DatasetSpec {
  const file = (name: string, shape: number[]) => ({ name, shape, sha256: sha256(set.files[name]), gzMd5: md5(gz[name]) });
  return {
    id: 'tiny',
    title: 'Tiny',
    classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
    files: {
      trainImages: file('train-images-idx3-ubyte', [TINY.train, TINY.height, TINY.width]),
      trainLabels: file('train-labels-idx1-ubyte', [TINY.train]),
      testImages: file('t10k-images-idx3-ubyte', [TINY.test, TINY.height, TINY.width]),
      testLabels: file('t10k-labels-idx1-ubyte', [TINY.test]),
    },
    baseUrl: 'http://127.0.0.1:9/unused/',
    baseUrlEnv: 'ZOO_TINY_URL',
    ...extra,
  };
}

export function gzipAll(set: TinySet): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(set.files).map(([name, bytes]) => [name, gzipSync(bytes)]));
}

/** Writes the four files into `dir` (created), gzipped (`.gz`) or raw. */
export function writeSet(dir: string, set: TinySet, gz?: Record<string, Uint8Array>): string {
  mkdirSync(dir, { recursive: true });
  for (const name of FILE_NAMES) {
    if (gz) writeFileSync(join(dir, `${name}.gz`), gz[name]);
    else writeFileSync(join(dir, name), set.files[name]);
  }
  return dir;
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'zoo-datasets-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An HTTP server on 127.0.0.1 with a swappable handler that records request paths. */
export interface TestServer {
  readonly url: string;
  readonly requests: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const requests: string[] = [];
  const state: { handler: TestServer['handler'] } = { handler: (_req, res) => res.writeHead(500).end() };
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    state.handler(req, res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/data/`,
    requests,
    get handler() {
      return state.handler;
    },
    set handler(h) {
      state.handler = h;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** Serves `files` (name → bytes) under /data/, 404 for anything else. */
export function serveFiles(files: Record<string, Uint8Array>): TestServer['handler'] {
  return (req, res) => {
    const name = (req.url ?? '').replace(/^\/data\//, '');
    const body = files[name];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/gzip' });
    res.end(body);
  };
}
