import { vulkanLoaderMissing, type LoaderSearch } from '../src/node/dawn';

/** A Linux whose linker cache lists `cached` and whose folders hold `files`. */
function linux(cached: string[], files: string[] = [], env: NodeJS.ProcessEnv = {}): LoaderSearch {
  return {
    platform: 'linux',
    env,
    linkerCache: () => Buffer.from(`ld.so-1.7.0\0${cached.join('\0')}\0`),
    exists: (path) => files.includes(path),
  };
}

describe('vulkanLoaderMissing: whether asking Dawn could only print a warning', () => {
  it('is true on a Linux with no libvulkan.so.1 anywhere the linker looks', () => {
    expect(vulkanLoaderMissing(linux(['libc.so.6', 'libm.so.6']))).toBe(true);
  });

  it('is false when the linker cache, LD_LIBRARY_PATH or a default folder has it', () => {
    expect(vulkanLoaderMissing(linux(['libc.so.6', 'libvulkan.so.1']))).toBe(false);
    expect(vulkanLoaderMissing(linux([], ['/opt/vk/libvulkan.so.1'], { LD_LIBRARY_PATH: '/opt/vk' }))).toBe(false);
    expect(vulkanLoaderMissing(linux([], ['/usr/lib/libvulkan.so.1']))).toBe(false);
  });

  it('is false when it cannot tell (no readable linker cache) and off Linux, where Dawn uses Metal or D3D12', () => {
    expect(vulkanLoaderMissing({ ...linux([]), linkerCache: () => undefined })).toBe(false);
    expect(vulkanLoaderMissing({ ...linux([]), platform: 'darwin' })).toBe(false);
    expect(vulkanLoaderMissing({ ...linux([]), platform: 'win32' })).toBe(false);
  });
});
