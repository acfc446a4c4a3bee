import { execFileSync } from 'node:child_process';
import { ORT_MALLOC_TUNABLES, withOrtMallocTunables } from '../src/node/onnx/allocator-env';

describe('glibc malloc tunables for a child running ONNX Runtime kernels', () => {
  test('added to an environment without GLIBC_TUNABLES, the rest of it kept', () => {
    const env = withOrtMallocTunables({ PATH: '/bin', ZOO_BACKEND: 'onnxruntime' });
    expect(env).toEqual({ PATH: '/bin', ZOO_BACKEND: 'onnxruntime', GLIBC_TUNABLES: ORT_MALLOC_TUNABLES });
    expect(withOrtMallocTunables({ GLIBC_TUNABLES: '' }).GLIBC_TUNABLES).toBe(ORT_MALLOC_TUNABLES);
  });

  test("a user's own tunables are kept and come last, so they win", () => {
    const env = withOrtMallocTunables({ GLIBC_TUNABLES: 'glibc.malloc.mmap_max=4' });
    expect(env.GLIBC_TUNABLES).toBe(`${ORT_MALLOC_TUNABLES}:glibc.malloc.mmap_max=4`);
  });

  test('the input is not changed, and the default is this process environment', () => {
    const input = { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1' };
    withOrtMallocTunables(input);
    expect(input).toEqual({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1' });
    expect(withOrtMallocTunables().PATH).toBe(process.env.PATH);
  });

  test('a child started with them runs (glibc accepts every name and value)', () => {
    // glibc ignores unknown tunables silently, but a malformed string must not stop the process.
    const out = execFileSync(process.execPath, ['-e', 'process.stdout.write(process.env.GLIBC_TUNABLES)'], { env: withOrtMallocTunables() });
    expect(out.toString()).toBe(ORT_MALLOC_TUNABLES);
  });
});
