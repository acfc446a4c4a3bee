import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetSpec } from '../src';
import { loadDataset, type DownloadEvent, type LoadOptions } from '../src/node';
import { FILE_NAMES, gzipAll, md5, startServer, serveFiles, tempDir, tinySet, tinySpec, writeSet, type TestServer } from './helpers';

const set = tinySet(0);
const gz = gzipAll(set);
const published = Object.fromEntries(FILE_NAMES.map((name) => [`${name}.gz`, gz[name]]));

describe('loadDataset: download', () => {
  let server: TestServer;
  let root: string;
  let cleanup: () => void;
  let spec: DatasetSpec;
  let cacheRoot: string;
  let cache: string;
  let events: DownloadEvent[];
  let options: LoadOptions;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    ({ dir: root, cleanup } = tempDir());
    spec = tinySpec(set, gz, { baseUrl: server.url });
    cacheRoot = join(root, 'cache');
    cache = join(cacheRoot, 'tiny');
    events = [];
    options = { cacheDir: cacheRoot, retryDelayMs: 1, onProgress: (e) => events.push(e) };
    server.requests.length = 0;
    server.handler = serveFiles(published);
  });
  afterEach(() => cleanup());

  const cacheListing = () => (existsSync(cache) ? readdirSync(cache).sort() : []);

  it('downloads into the cache with progress, then loads from the cache without the network', async () => {
    const data = await loadDataset(spec, options, {});
    expect(data.source).toEqual({ kind: 'download', dir: cache, url: server.url, dataset: 'Tiny', verified: 'sha256' });
    expect(Array.from(data.train.labels)).toEqual(Array.from(set.train.labels));
    expect(server.requests).toEqual(FILE_NAMES.map((name) => `/data/${name}.gz`));
    expect(cacheListing()).toEqual(FILE_NAMES.map((name) => `${name}.gz`).sort());
    for (const name of FILE_NAMES) expect(md5(readFileSync(join(cache, `${name}.gz`)))).toBe(md5(gz[name]));
    const done = events.filter((e) => e.phase === 'done').map((e) => e.file);
    expect(done).toEqual(FILE_NAMES.map((name) => `${name}.gz`));
    const last = events.filter((e) => e.phase === 'download' && e.file === 'train-images-idx3-ubyte.gz').pop();
    expect(last).toMatchObject({ receivedBytes: gz['train-images-idx3-ubyte'].length, totalBytes: gz['train-images-idx3-ubyte'].length, attempt: 1 });

    server.requests.length = 0;
    const again = await loadDataset(spec, { ...options, download: false }, {});
    expect(again.source.kind).toBe('cache');
    expect(server.requests).toEqual([]);
  });

  it('downloads only the files the cache lacks', async () => {
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'train-images-idx3-ubyte.gz'), gz['train-images-idx3-ubyte']);
    await loadDataset(spec, options, {});
    expect(server.requests).toEqual(FILE_NAMES.slice(1).map((name) => `/data/${name}.gz`));
  });

  it('retries server errors and dropped connections with back-off', async () => {
    const serve = serveFiles(published);
    let calls = 0;
    server.handler = (req, res) => {
      calls++;
      if (calls === 1) res.writeHead(503).end();
      else if (calls === 2) {
        // Promise more than is sent, then drop the connection: a truncated transfer.
        res.writeHead(200, { 'content-length': 1000 });
        res.write(Buffer.alloc(10));
        setTimeout(() => res.destroy(), 5);
      } else serve(req, res);
    };
    const data = await loadDataset(spec, options, {});
    expect(data.source.kind).toBe('download');
    expect(server.requests.slice(0, 3)).toEqual(Array(3).fill('/data/train-images-idx3-ubyte.gz'));
    const retries = events.filter((e) => e.phase === 'retry');
    expect(retries.map((e) => e.phase === 'retry' && [e.attempt, e.delayMs])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(retries[0]).toMatchObject({ error: 'HTTP 503 Service Unavailable' });
    expect(cacheListing()).toEqual(FILE_NAMES.map((name) => `${name}.gz`).sort());
  });

  it('never puts a file with the wrong MD5 into the cache, and a later good download succeeds', async () => {
    const tampered = { ...published, 'train-labels-idx1-ubyte.gz': gzipAll(tinySet(3))['train-labels-idx1-ubyte'] };
    server.handler = serveFiles(tampered);
    const error = await loadDataset(spec, { ...options, retries: 1 }, {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CHECKSUM', message: expect.stringMatching(/after 2 attempts: MD5 of the download is [0-9a-f]{32}, expected [0-9a-f]{32}; nothing was saved/) });
    expect(server.requests.filter((r) => r.includes('train-labels'))).toHaveLength(2);
    expect(cacheListing()).toEqual(['train-images-idx3-ubyte.gz']);
    expect(events[events.length - 1]).toMatchObject({ phase: 'failed', file: 'train-labels-idx1-ubyte.gz', error: expect.stringMatching(/^MD5 of the download is/) });

    server.handler = serveFiles(published);
    server.requests.length = 0;
    const data = await loadDataset(spec, options, {});
    expect(Array.from(data.train.labels)).toEqual(Array.from(set.train.labels));
    expect(server.requests).toEqual(FILE_NAMES.slice(1).map((name) => `/data/${name}.gz`));
  });

  it('never caches a download whose MD5 matches but whose content does not', async () => {
    const other = gzipAll(tinySet(4));
    const wrongContent: DatasetSpec = {
      ...spec,
      files: { ...spec.files, testLabels: { ...spec.files.testLabels, gzMd5: md5(other['t10k-labels-idx1-ubyte']) } },
    };
    server.handler = serveFiles({ ...published, 't10k-labels-idx1-ubyte.gz': other['t10k-labels-idx1-ubyte'] });
    await expect(loadDataset(wrongContent, options, {})).rejects.toMatchObject({
      code: 'CHECKSUM',
      message: expect.stringMatching(/SHA-256 of the decompressed content .* \(downloaded from .*; nothing was saved\)/),
    });
    expect(cacheListing()).toEqual(FILE_NAMES.slice(0, 3).map((name) => `${name}.gz`).sort());
  });

  it('does not retry a 404 and reports where it looked', async () => {
    server.handler = (_req, res) => res.writeHead(404, 'Not Found').end();
    const error = await loadDataset(spec, options, {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
    expect((error as Error).message).toMatch(/^Tiny not found\. Looked in:\n/);
    expect((error as Error).message).toContain(`download from ${server.url}: failed: downloading ${server.url}train-images-idx3-ubyte.gz failed after 1 attempt: HTTP 404 Not Found`);
    expect(server.requests).toHaveLength(1);
    expect(cacheListing()).toEqual([]);
    expect(events).toEqual([{ phase: 'failed', file: 'train-images-idx3-ubyte.gz', url: `${server.url}train-images-idx3-ubyte.gz`, error: 'HTTP 404 Not Found' }]);
  });

  it('gives up on an unreachable mirror after the retries, listing where it looked', async () => {
    const closed = await startServer();
    const url = closed.url;
    await closed.close();
    const error = await loadDataset(spec, { ...options, baseUrl: url, retries: 2 }, {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
    expect((error as Error).message).toContain(`failed after 3 attempts: fetch failed: ECONNREFUSED`);
    expect((error as Error).message).toContain(`user cache ${cache}: no data set files`);
    expect(events.filter((e) => e.phase === 'retry')).toHaveLength(2);
    expect(cacheListing()).toEqual([]);
  });

  it('aborts a stalled transfer after idleTimeoutMs and retries', async () => {
    const serve = serveFiles(published);
    let stalled = false;
    server.handler = (req, res) => {
      if (!stalled) {
        stalled = true;
        res.writeHead(200, { 'content-length': 100 });
        res.write(Buffer.alloc(1)); // then nothing
        return;
      }
      serve(req, res);
    };
    await loadDataset(spec, { ...options, idleTimeoutMs: 200 }, {});
    expect(events.find((e) => e.phase === 'retry')).toMatchObject({ error: 'no data for 200 ms' });
  });

  it('takes the mirror from the spec environment variable, and options.baseUrl over it', async () => {
    await loadDataset({ ...spec, baseUrl: 'http://127.0.0.1:9/' }, options, { ZOO_TINY_URL: server.url.replace(/\/$/, '') });
    expect(server.requests).toHaveLength(4);
    server.requests.length = 0;
    const error = await loadDataset(spec, { cacheDir: join(root, 'other'), baseUrl: 'http://127.0.0.1:9/', retries: 0, onProgress: () => {} }, { ZOO_TINY_URL: server.url }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
    expect(server.requests).toEqual([]);
  });

  it('does not download when download is false', async () => {
    await expect(loadDataset(spec, { ...options, download: false }, {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(server.requests).toEqual([]);
  });

  it('removes part files left by a dead process, keeps those of live ones', async () => {
    writeSet(cache, set, gz);
    const dead = join(cache, 'train-images-idx3-ubyte.gz.999999999.0badf00d.part');
    const live = join(cache, `train-labels-idx1-ubyte.gz.${process.pid}.0badf00d.part`);
    writeFileSync(dead, 'partial');
    writeFileSync(live, 'partial');
    // Sweeping happens before a file is downloaded, so make both of these files missing.
    rmSync(join(cache, 'train-images-idx3-ubyte.gz'));
    rmSync(join(cache, 'train-labels-idx1-ubyte.gz'));
    await loadDataset(spec, options, {});
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});
