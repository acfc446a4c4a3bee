import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { patchForNodeWorkers } from '../src/node/wasm-threads';

// The threaded start's scripts are files its pool workers read while they start. Emscripten asks
// for the worker script's URL once per worker; rewriting the file each time let a starting worker
// read it truncated and exit, and the backend then waited for it forever.
describe('the files behind the threaded wasm start', () => {
  test('the worker script is written once, whole, and removed afterwards', () => {
    const restore = patchForNodeWorkers(2);
    let path = '';
    try {
      path = URL.createObjectURL(new Blob(['/* worker */']));
      expect(readFileSync(path, 'utf8')).toMatch(/^\/\* worker \*\/;URL\.createObjectURL=\(\)=>".*tfjs-backend-wasm-threaded-simd\.js";/);
      // Stands for a worker in the middle of reading it: later requests must leave the file alone.
      appendFileSync(path, '\n// read by a starting worker');
      for (let i = 0; i < 7; i++) expect(URL.createObjectURL(new Blob(['/* worker */']))).toBe(path);
      expect(readFileSync(path, 'utf8')).toMatch(/\/\/ read by a starting worker$/);
      // The pool is sized from os.cpus(): two per thread, as the backend halves it.
      expect(os.cpus()).toHaveLength(4);
    } finally {
      restore();
    }
    expect(existsSync(path)).toBe(false);
    expect(os.cpus().length).toBeGreaterThan(0);
  });
});
