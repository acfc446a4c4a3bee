import { ORT_MALLOC_TUNABLES } from '@zoo/backend/node';
import { DATA_PARALLEL_EXEC_ARGV } from '@zoo/trainer/node';
import { childEnv, childExecArgv } from '../src/child-env';

describe("the environment of a backend's child", () => {
  const env = { PATH: '/bin', GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' };

  it("gives the onnxruntime child glibc's malloc tunables on glibc, the user's settings kept, and says so", () => {
    const child = childEnv('onnxruntime', env, { glibc: '2.36' });
    expect(child.env).toEqual({ PATH: '/bin', GLIBC_TUNABLES: `${ORT_MALLOC_TUNABLES}:glibc.malloc.arena_max=2` });
    expect(child.note).toBe(`child starts with GLIBC_TUNABLES=${ORT_MALLOC_TUNABLES} (glibc's malloc kept off mmap), as compare's workers do`);
  });

  it('gives it the environment as it is elsewhere, and says why', () => {
    const child = childEnv('onnxruntime', env, {});
    expect(child.env).toEqual(env);
    expect(child.note).toMatch(/^child starts with this environment, as compare's workers do: glibc's malloc tunables apply only on Linux with glibc$/);
  });

  it.each(['wasm', 'cpu', 'tensorflow', 'webgpu', 'auto'])('leaves the %s child the environment as it is, with nothing to say', (backend) => {
    expect(childEnv(backend, env, { glibc: '2.36' })).toEqual({ env });
  });
});

describe("the Node flags of a backend's child", () => {
  it("gives a replica child compare's data-parallel flags after this process's own", () => {
    expect(childExecArgv([2], ['--max-old-space-size=4096'])).toEqual(['--max-old-space-size=4096', ...DATA_PARALLEL_EXEC_ARGV]);
    expect(DATA_PARALLEL_EXEC_ARGV).toContain('--single-threaded-gc');
  });

  it('gives a child that also measures the plain step only its own', () => {
    expect(childExecArgv([1], ['--x'])).toEqual(['--x']);
    expect(childExecArgv([1, 2], [])).toEqual([]);
  });
});
