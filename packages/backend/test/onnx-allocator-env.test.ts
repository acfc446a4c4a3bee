import { execFileSync } from 'node:child_process';
import { backendProcessEnv, glibcRuntimeVersion, ORT_MALLOC_TUNABLES, ortProcessEnv, withOrtMallocTunables } from '../src/node/onnx/allocator-env';

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

describe('the environment of a process that will run ONNX Runtime kernels', () => {
  test('on glibc: the tunables, with the rest of the environment and the user\'s own settings kept', () => {
    const env = { PATH: '/bin', GLIBC_TUNABLES: 'glibc.malloc.mmap_max=4' };
    expect(ortProcessEnv(env, { glibc: '2.36' })).toEqual({ tunables: true, env: { PATH: '/bin', GLIBC_TUNABLES: `${ORT_MALLOC_TUNABLES}:glibc.malloc.mmap_max=4` } });
    expect(env.GLIBC_TUNABLES).toBe('glibc.malloc.mmap_max=4');
  });

  test('elsewhere (musl, macOS, Windows): the environment as given, and says so', () => {
    const env = { PATH: '/bin' };
    expect(ortProcessEnv(env, {})).toEqual({ tunables: false, env: { PATH: '/bin' } });
  });

  test("this platform's answer is the one Node's diagnostic report gives", () => {
    const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header;
    const expected = process.platform === 'linux' ? header.glibcVersionRuntime : undefined;
    expect(glibcRuntimeVersion()).toBe(expected);
    const { tunables, env } = ortProcessEnv({ PATH: '/bin' });
    expect(tunables).toBe(expected !== undefined);
    expect(env.GLIBC_TUNABLES).toBe(expected === undefined ? undefined : ORT_MALLOC_TUNABLES);
  });
});

describe('the environment of a child that trains on a backend', () => {
  test('onnxruntime gets the ONNX Runtime environment; every other choice the environment as given', () => {
    const env = { PATH: '/bin' };
    expect(backendProcessEnv('onnxruntime', env, { glibc: '2.36' })).toEqual(ortProcessEnv(env, { glibc: '2.36' }));
    expect(backendProcessEnv('onnxruntime', env, { glibc: '2.36' }).tunables).toBe(true);
    for (const choice of ['wasm', 'tensorflow', 'webgpu', 'cpu']) expect(backendProcessEnv(choice, env, { glibc: '2.36' })).toEqual({ tunables: false, env });
  });
});
