import * as tf from '@tensorflow/tfjs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { between, predictions, runOn, scaledMaxError, seeded, servedFetch, useTempDir, values } from '../src';

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

describe('predictions', () => {
  it("reads each model's prediction back as an array, leaving no tensor behind", async () => {
    await tf.setBackend('cpu');
    const make = (bias: number) => tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1, kernelInitializer: 'ones', biasInitializer: tf.initializers.constant({ value: bias }) })] });
    const [a, b] = [make(0), make(1)];
    const x = tf.tensor2d([[1, 2]]);
    const before = tf.memory().numTensors;
    expect(predictions([a, b], x)).toEqual([[3], [4]]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    [a, b].forEach((m) => m.dispose());
  });
});

describe('servedFetch', () => {
  const temp = useTempDir('zoo-kit-');
  let dir: string;
  beforeAll(async () => {
    dir = temp();
    await writeFile(join(dir, 'model.json'), '{"ok":true}');
  });

  it("serves a folder's files under a URL and 404s the rest", async () => {
    const fetch = await servedFetch(dir, 'https://cdn.test/w/');
    expect(await (await fetch('https://cdn.test/w/model.json')).json()).toEqual({ ok: true });
    expect((await fetch('https://cdn.test/w/missing.bin')).status).toBe(404);
  });

  it('refuses a URL that is not a folder', async () => {
    await expect(servedFetch(dir, 'https://cdn.test/w')).rejects.toThrow(/url must end in '\/'/);
  });
});

let seen: string | undefined;

describe('useTempDir', () => {
  const dir = useTempDir('zoo-kit-temp-');

  it('gives the tests of its describe one existing, empty folder', async () => {
    seen = dir();
    expect(seen).toContain('zoo-kit-temp-');
    expect(await readdir(seen)).toEqual([]);
    await writeFile(join(seen, 'a'), 'x');
  });

  it('keeps it for the whole describe', async () => {
    expect(dir()).toBe(seen);
    expect(await readdir(dir())).toEqual(['a']);
  });
});

describe('after a useTempDir describe', () => {
  it('has removed its folder', async () => {
    expect(seen).toBeDefined();
    await expect(readdir(seen as string)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
