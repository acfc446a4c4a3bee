import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { setWasmBackendWithThreads, THREADED_START_TIMEOUT_MS } from '../src/node/wasm-threads';

// A threaded start whose pool never finishes loading: tf.setBackend('wasm') never settles.
jest.mock('@tensorflow/tfjs', () => {
  const actual = jest.requireActual('@tensorflow/tfjs');
  return { ...actual, setBackend: jest.fn(() => new Promise(() => undefined)) };
});

test('a threaded start that stalls becomes an error naming the way out, and undoes its patches', async () => {
  jest.useFakeTimers();
  const { cpus } = os;
  const { Blob } = globalThis;
  const { createObjectURL } = URL;
  const started = setWasmBackendWithThreads(2);
  const outcome = expect(started).rejects.toThrow(/thread pool did not start within 120 s; ZOO_WASM_THREADS=1/);
  await jest.advanceTimersByTimeAsync(THREADED_START_TIMEOUT_MS);
  await outcome;
  expect(tf.setBackend).toHaveBeenCalledWith('wasm');
  expect({ cpus: os.cpus === cpus, Blob: globalThis.Blob === Blob, createObjectURL: URL.createObjectURL === createObjectURL }).toEqual({ cpus: true, Blob: true, createObjectURL: true });
  jest.useRealTimers();
});
