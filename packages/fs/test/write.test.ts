import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moveIntoPlace, TEMP_PREFIX, writeFileAtomic, writeFileDurable } from '../src/node';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zoo-fs-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}

describe('writeFileAtomic', () => {
  it('replaces a file whole, creating its folder, and leaves no temporary file', async () => {
    const file = join(dir, 'sub', 'report.json');
    await writeFileAtomic(file, 'first');
    await writeFileAtomic(file, new TextEncoder().encode('second'));
    expect(await readFile(file, 'utf8')).toBe('second');
    expect(await readdir(join(dir, 'sub'))).toEqual(['report.json']);
  });

  it('writes chunks as they arrive', async () => {
    await writeFileAtomic(join(dir, 'a.bin'), chunks('ab', 'cd'));
    expect(await readFile(join(dir, 'a.bin'), 'utf8')).toBe('abcd');
  });

  it('keeps the old file and removes its temporary one when the data fails half-way', async () => {
    const file = join(dir, 'state.json');
    await writeFileAtomic(file, 'old');
    async function* failing(): AsyncIterable<Uint8Array> {
      yield new TextEncoder().encode('new, half');
      throw new Error('connection lost');
    }
    await expect(writeFileAtomic(file, failing())).rejects.toThrow('connection lost');
    expect(await readFile(file, 'utf8')).toBe('old');
    expect((await readdir(dir)).filter((n) => n.startsWith(TEMP_PREFIX))).toEqual([]);
  });
});

describe('writeFileDurable', () => {
  it('creates a file exclusively when asked, refusing one that exists', async () => {
    const lock = join(dir, 'lock');
    await writeFileDurable(lock, 'pid 1', { exclusive: true });
    await expect(writeFileDurable(lock, 'pid 2', { exclusive: true })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(lock, 'utf8')).toBe('pid 1');
  });
});

describe('moveIntoPlace', () => {
  it('publishes a checked file under its final name', async () => {
    const part = join(dir, 'x.gz.part');
    await writeFile(part, 'data');
    await moveIntoPlace(part, join(dir, 'x.gz'));
    expect(await readdir(dir)).toEqual(['x.gz']);
  });
});
