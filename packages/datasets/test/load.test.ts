import { rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MNIST, type DatasetSpec } from '../src';
import { defaultCacheDir, describeSource, loadDataset, type LoadOptions } from '../src/node';
import { FILE_NAMES, TINY, gzipAll, idxBytes, tempDir, tinySet, tinySpec, writeSet } from './helpers';

// Four copies told apart by their labels: copy k labels image i as (i + k) % 10. One spec accepts
// all of them because the test gives it no checksums (the checksum path is covered elsewhere).
const copies = [0, 1, 2, 3].map((k) => tinySet(k));
const reference = tinySpec(copies[0], gzipAll(copies[0]));
const unpinned: DatasetSpec = {
  ...reference,
  files: Object.fromEntries(
    Object.entries(reference.files).map(([key, file]) => [key, { name: file.name, shape: file.shape }]),
  ) as unknown as DatasetSpec['files'],
};

describe('loadDataset: where it looks', () => {
  let root: string;
  let cleanup: () => void;
  let dirs: { option: string; env: string; cache: string; system: string };
  let spec: DatasetSpec;
  let options: LoadOptions;
  let env: Record<string, string>;

  beforeEach(() => {
    ({ dir: root, cleanup } = tempDir());
    dirs = {
      option: writeSet(join(root, 'option'), copies[0], gzipAll(copies[0])),
      env: writeSet(join(root, 'env', 'tiny'), copies[1]),
      cache: writeSet(join(root, 'cache', 'tiny'), copies[2], gzipAll(copies[2])),
      system: writeSet(join(root, 'system'), copies[3]),
    };
    spec = { ...unpinned, systemDir: dirs.system, aptPackage: 'dataset-tiny' };
    options = { dir: dirs.option, cacheDir: join(root, 'cache'), download: false };
    env = { ZOO_DATA_DIR: join(root, 'env') };
  });
  afterEach(() => cleanup());

  const firstLabel = async (opts: LoadOptions, e: Record<string, string>) => {
    const data = await loadDataset(spec, opts, e);
    return { kind: data.source.kind, dir: data.source.dir, offset: data.train.labels[0] };
  };

  it('prefers options.dir, then $ZOO_DATA_DIR/<id>, then the cache, then the system folder', async () => {
    expect(await firstLabel(options, env)).toEqual({ kind: 'dir', dir: dirs.option, offset: 0 });
    expect(await firstLabel({ ...options, dir: undefined }, env)).toEqual({ kind: 'env', dir: dirs.env, offset: 1 });
    expect(await firstLabel({ ...options, dir: undefined }, {})).toEqual({ kind: 'cache', dir: dirs.cache, offset: 2 });
    rmSync(dirs.cache, { recursive: true });
    expect(await firstLabel({ ...options, dir: undefined }, {})).toEqual({ kind: 'system', dir: dirs.system, offset: 3 });
  });

  it('skips a folder that lacks a file and says so if nothing is found', async () => {
    rmSync(join(dirs.option, 'train-labels-idx1-ubyte.gz'));
    expect(await firstLabel(options, env)).toMatchObject({ kind: 'env' });
    rmSync(dirs.env, { recursive: true });
    rmSync(dirs.cache, { recursive: true });
    rmSync(dirs.system, { recursive: true });
    const error = await loadDataset(spec, options, env).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
    const lines = (error as Error).message.split('\n');
    expect(lines[0]).toBe('Tiny not found. Looked in:');
    expect(lines.slice(1, 6)).toEqual([
      `  - options.dir ${dirs.option}: missing train-labels-idx1-ubyte[.gz]`,
      `  - $ZOO_DATA_DIR/tiny ${dirs.env}: no data set files`,
      `  - user cache ${dirs.cache}: no data set files`,
      `  - Debian package dataset-tiny ${dirs.system}: no data set files`,
      `  - download from ${spec.baseUrl}: disabled (download: false)`,
    ]);
    expect(lines).toContain(`  - apt-get install dataset-tiny   (Debian/Ubuntu; puts it in ${dirs.system})`);
    expect((error as Error).message).toMatch(/\$ZOO_TINY_URL/);
  });

  it('mentions an unset ZOO_DATA_DIR in the not-found message', async () => {
    const error = await loadDataset(unpinned, { cacheDir: join(root, 'nothing'), download: false }, {}).catch((e: unknown) => e);
    expect((error as Error).message).toContain('$ZOO_DATA_DIR/tiny: ZOO_DATA_DIR is not set');
    expect((error as Error).message).not.toContain('apt-get');
  });

  it('does not skip a present but corrupt copy', async () => {
    writeFileSync(join(dirs.option, 'train-images-idx3-ubyte.gz'), Buffer.from('not gzip'));
    await expect(loadDataset(spec, options, env)).rejects.toMatchObject({
      code: 'CORRUPT',
      file: join(dirs.option, 'train-images-idx3-ubyte.gz'),
    });
  });

  it('tells how to refresh a corrupt cached copy', async () => {
    const bad = join(dirs.cache, 't10k-labels-idx1-ubyte.gz');
    writeFileSync(bad, Buffer.from('not gzip'));
    await expect(loadDataset(spec, { ...options, dir: undefined }, {})).rejects.toMatchObject({
      code: 'CORRUPT',
      file: bad,
      message: expect.stringContaining(`this is the zoo cache: delete ${dirs.cache} and load again`),
    });
  });

  it('rejects image and label counts that disagree', async () => {
    const short: DatasetSpec = {
      ...spec,
      files: { ...spec.files, trainLabels: { name: 'train-labels-idx1-ubyte', shape: [TINY.train - 1] } },
    };
    rmSync(join(dirs.option, 'train-labels-idx1-ubyte.gz'));
    writeFileSync(join(dirs.option, 'train-labels-idx1-ubyte'), idxBytes([TINY.train - 1], new Uint8Array(TINY.train - 1)));
    await expect(loadDataset(short, options, env)).rejects.toMatchObject({
      code: 'CORRUPT',
      message: `${join(dirs.option, 'train-labels-idx1-ubyte')} has ${TINY.train - 1} labels but ${join(dirs.option, 'train-images-idx3-ubyte.gz')} has ${TINY.train} images`,
    });
  });

  it('rejects labels outside the class range', async () => {
    rmSync(join(dirs.option, 't10k-labels-idx1-ubyte.gz'));
    writeFileSync(join(dirs.option, 't10k-labels-idx1-ubyte'), idxBytes([TINY.test], Uint8Array.of(0, 1, 10, 2, 3)));
    await expect(loadDataset(spec, options, env)).rejects.toMatchObject({
      code: 'CORRUPT',
      message: expect.stringMatching(/label 10 at index 2 is not a class index 0\.\.9/),
    });
  });

  it('returns the images, labels and class names it read', async () => {
    const data = await loadDataset(spec, options, env);
    expect(data.train).toMatchObject({ count: TINY.train, height: TINY.height, width: TINY.width });
    expect(data.test).toMatchObject({ count: TINY.test, height: TINY.height, width: TINY.width });
    expect(Array.from(data.train.images)).toEqual(Array.from(copies[0].train.images));
    expect(Array.from(data.test.labels)).toEqual(Array.from(copies[0].test.labels));
    expect(Buffer.isBuffer(data.train.images)).toBe(false);
    expect(data.classNames).toEqual([...spec.classNames]);
    expect(data.source).toEqual({ kind: 'dir', dir: dirs.option, dataset: 'Tiny', verified: 'structure' });
    expect(describeSource(data.source)).toBe(`Tiny from ${dirs.option}, structure checked, no checksum known for this copy`);
  });

  it('rejects bad options, echoing the value', async () => {
    await expect(loadDataset(spec, { retries: -1 })).rejects.toThrow('options.retries must be a non-negative integer; received -1');
    await expect(loadDataset(spec, { dir: '' })).rejects.toThrow('options.dir must be a non-empty path; received ""');
    await expect(loadDataset(spec, { download: false, cacheDir: join(root, 'none'), baseUrl: 'ftp://x/' }, {})).rejects.toThrow(
      'options.baseUrl must be an http:// or https:// URL; received "ftp://x/"',
    );
  });
});

describe('defaultCacheDir', () => {
  it('uses $XDG_CACHE_HOME/zoo when it is absolute, else ~/.cache/zoo', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/zoo');
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(join(homedir(), '.cache', 'zoo'));
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'zoo'));
  });

  it('is where loadDataset looks when no cacheDir is given', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const set = tinySet(5);
      writeSet(join(dir, 'zoo', 'tiny'), set);
      const data = await loadDataset(unpinned, { download: false }, { XDG_CACHE_HOME: dir });
      expect(data.source).toMatchObject({ kind: 'cache', dir: join(dir, 'zoo', 'tiny') });
      expect(data.train.labels[0]).toBe(5);
    } finally {
      cleanup();
    }
  });
});

describe('MNIST without pinned content checksums', () => {
  it('accepts a raw copy of the right shape on structure alone and says so', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const write = (name: string, shape: number[]) => {
        const body = new Uint8Array(shape.reduce((a, b) => a * b, 1));
        if (shape.length === 1) body.forEach((_, i) => (body[i] = i % 10));
        writeFileSync(join(dir, name), idxBytes(shape, body));
      };
      write(FILE_NAMES[0], [60000, 28, 28]);
      write(FILE_NAMES[1], [60000]);
      write(FILE_NAMES[2], [10000, 28, 28]);
      write(FILE_NAMES[3], [10000]);
      const data = await loadDataset(MNIST, { dir, download: false }, {});
      expect(data.source.verified).toBe('structure');
      expect(data.train.count).toBe(60000);
      expect(data.classNames[7]).toBe('7');
      writeFileSync(join(dir, FILE_NAMES[2]), idxBytes([10000, 28, 27], new Uint8Array(10000 * 28 * 27)));
      await expect(loadDataset(MNIST, { dir, download: false }, {})).rejects.toMatchObject({
        code: 'CORRUPT',
        message: expect.stringMatching(/shape is \[10000, 28, 27\], expected \[10000, 28, 28\]/),
      });
    } finally {
      cleanup();
    }
  });
});
