import * as tf from '@tensorflow/tfjs';
import { BACKEND_CHOICES, initBackend, type BackendChoice } from '../src/node';

const saved = process.env.ZOO_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.ZOO_BACKEND;
  else process.env.ZOO_BACKEND = saved;
});

describe('forced backends', () => {
  it.each(['cpu', 'wasm'] as const)('%s starts when asked for', async (name) => {
    const info = await initBackend({ backend: name });
    expect(info).toMatchObject({ name, device: 'cpu', fallbacks: [] });
    expect(tf.getBackend()).toBe(name);
  });

  it('reads ZOO_BACKEND when no option is given', async () => {
    process.env.ZOO_BACKEND = 'cpu';
    expect((await initBackend()).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('lets the option override ZOO_BACKEND', async () => {
    process.env.ZOO_BACKEND = 'cpu';
    expect((await initBackend({ backend: 'wasm' })).name).toBe('wasm');
  });

  it('rejects an unknown ZOO_BACKEND, naming the variable and the valid values', async () => {
    process.env.ZOO_BACKEND = 'cuda';
    await expect(initBackend()).rejects.toThrow(
      `ZOO_BACKEND: unknown backend 'cuda'; expected one of ${BACKEND_CHOICES.join(', ')}`,
    );
  });

  it('rejects a wasm thread count outside 1-8, naming where it came from', async () => {
    await expect(initBackend({ backend: 'wasm', threads: 0 })).rejects.toThrow("threads option: expected an integer from 1 to 8, got '0'");
    process.env.ZOO_WASM_THREADS = 'two';
    try {
      await expect(initBackend({ backend: 'wasm' })).rejects.toThrow("ZOO_WASM_THREADS: expected an integer from 1 to 8, got 'two'");
    } finally {
      delete process.env.ZOO_WASM_THREADS;
    }
  });

  it('rejects an unknown option value', async () => {
    await expect(initBackend({ backend: 'gpu' as BackendChoice })).rejects.toThrow(/backend option: unknown backend 'gpu'/);
  });
});
