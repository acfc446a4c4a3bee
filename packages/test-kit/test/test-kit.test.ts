import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { between, runOn, scaledMaxError, seeded, servedFetch, values } from '../src';

describe('seeded', () => {
  it('replays the same numbers from the same seed, in [0, 1)', () => {
    const a = seeded(7);
    const b = seeded(7);
    const first = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(first);
    expect(first.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(seeded(8)()).not.toBe(first[0]);
  });

  it('draws integers in [lo, hi] and values in [-1, 1)', () => {
    const random = seeded(1);
    const ints = Array.from({ length: 200 }, () => between(random, 2, 4));
    expect(new Set(ints)).toEqual(new Set([2, 3, 4]));
    const v = values(random, [3, 5]);
    expect(v).toHaveLength(15);
    expect(Array.from(v).every((x) => x >= -1 && x < 1)).toBe(true);
  });
});

describe('scaledMaxError', () => {
  it('measures the worst difference relative to the largest expected magnitude (at least 1)', () => {
    expect(scaledMaxError(new Float32Array([1, 2, 4.5]), new Float32Array([1, 2, 4]))).toBeCloseTo(0.5 / 4);
    expect(scaledMaxError(new Float32Array([0.1]), new Float32Array([0]))).toBeCloseTo(0.1);
  });

  it('counts a NaN as infinitely wrong and refuses arrays of different lengths', () => {
    expect(scaledMaxError(new Float32Array([NaN, 0]), new Float32Array([0, 0]))).toBe(Infinity);
    expect(() => scaledMaxError(new Float32Array(2), new Float32Array(3))).toThrow(/actual has length 2; expected 3/);
  });
});

describe('runOn', () => {
  it('computes on the named backend and reads the results back', async () => {
    const before = tf.memory().numTensors;
    const [out] = await runOn('cpu', () => [tf.add(tf.tensor1d([1, 2]), 1)]);
    expect(Array.from(out)).toEqual([2, 3]);
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fails naming a backend it cannot switch to', async () => {
    await expect(runOn('no-such-backend', () => [])).rejects.toThrow(/'no-such-backend'/);
  });
});

describe('servedFetch', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zoo-kit-'));
    await writeFile(join(dir, 'model.json'), '{"ok":true}');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("serves a folder's files under a URL and 404s the rest", async () => {
    const fetch = await servedFetch(dir, 'https://cdn.test/w/');
    expect(await (await fetch('https://cdn.test/w/model.json')).json()).toEqual({ ok: true });
    expect((await fetch('https://cdn.test/w/missing.bin')).status).toBe(404);
  });

  it('refuses a URL that is not a folder', async () => {
    await expect(servedFetch(dir, 'https://cdn.test/w')).rejects.toThrow(/url must end in '\/'/);
  });
});
