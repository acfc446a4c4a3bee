import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// run.sh against a payload whose "node" only reports what run.sh gave it, and a fake machine root
// (ZOO_GPU_CHECK_ROOT) holding the Vulkan ICD manifests and NVIDIA libraries of each case.
let dir: string;
let folder: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zoo-run-sh-'));
  folder = join(dir, 'zoo-gpu-check');
  const payload = join(dir, 'payload');
  for (const sub of ['bin', 'app', 'lib/compat', 'lib/glibc']) mkdirSync(join(payload, sub), { recursive: true });
  writeFileSync(
    join(payload, 'bin', 'node'),
    '#!/bin/sh\nscript=$1\nshift\nprintf "script=%s\\nfiles=%s\\nsource=%s\\nloader=%s\\nargs=%s\\n" "$script" "${VK_DRIVER_FILES:-}" "$ZOO_GPU_CHECK_ICD_SOURCE" "$ZOO_GPU_CHECK_LOADER" "$*"\n',
  );
  chmodSync(join(payload, 'bin', 'node'), 0o755);
  writeFileSync(join(payload, 'app', 'check.cjs'), '');
  writeFileSync(join(payload, 'lib', 'libvulkan.so.1'), '');
  mkdirSync(folder);
  execFileSync('tar', ['-czf', join(folder, 'payload.tar.gz'), '-C', payload, 'bin', 'app', 'lib']);
  copyFileSync(join(__dirname, '..', 'run.sh'), join(folder, 'run.sh'));
  chmodSync(join(folder, 'run.sh'), 0o755);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake machine root with these files (relative paths), each holding `{}`. */
function machine(name: string, files: string[]): string {
  const root = join(dir, name);
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), '{}');
  }
  mkdirSync(root, { recursive: true });
  return root;
}

function runSh(root: string, args: string[] = []): { status: number | null; out: Record<string, string>; stderr: string } {
  const r = spawnSync(join(folder, 'run.sh'), args, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ZOO_GPU_CHECK_ROOT: root, ZOO_GPU_CHECK_WORK: join(dir, 'work') },
  });
  const out = Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { status: r.status, out, stderr: r.stderr };
}

describe('run.sh picks the Vulkan driver', () => {
  it("takes NVIDIA's manifest over every other ICD the machine has", () => {
    const root = machine('nvidia', [
      'usr/share/vulkan/icd.d/intel_icd.json',
      'usr/share/vulkan/icd.d/lvp_icd.json',
      'etc/vulkan/icd.d/nvidia_icd.json',
    ]);
    const r = runSh(root, ['--quick', '--out', '/x']);
    expect(r.status).toBe(0);
    expect(r.out.files).toBe(`${root}/etc/vulkan/icd.d/nvidia_icd.json`);
    expect(r.out.source).toBe(`found ${root}/etc/vulkan/icd.d/nvidia_icd.json`);
    expect(r.out.args).toBe('--quick --out /x');
    expect(r.out.loader).toBe(join(dir, 'work', 'lib', 'libvulkan.so.1'));
    expect(r.out.script).toBe(join(dir, 'work', 'app', 'check.cjs'));
  });

  it("writes a manifest for NVIDIA's library when the driver installed none (a container without 'graphics')", () => {
    const root = machine('nvidia-lib', ['usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0', 'usr/share/vulkan/icd.d/lvp_icd.json']);
    const r = runSh(root);
    expect(r.status).toBe(0);
    expect(r.out.source).toBe(`synthesised for ${root}/usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0`);
    expect(r.out.files).toBe(join(dir, 'work', 'nvidia_icd.json'));
  });

  it("leaves the loader's own search to it, and says so, when there is no NVIDIA driver", () => {
    const r = runSh(machine('none', ['usr/share/vulkan/icd.d/radeon_icd.json']));
    expect(r.status).toBe(0);
    expect(r.out.files).toBe('');
    expect(r.out.source).toBe('loader default search (no NVIDIA ICD found)');
    expect(r.stderr).toContain('no NVIDIA Vulkan driver found');
  });

  it('takes --icd lavapipe and --icd FILE as given, and refuses ones that are not there', () => {
    const root = machine('mesa', ['usr/share/vulkan/icd.d/intel_icd.json', 'usr/share/vulkan/icd.d/lvp_icd.json', 'etc/vulkan/icd.d/nvidia_icd.json']);
    expect(runSh(root, ['--icd', 'lavapipe', '--quick']).out).toMatchObject({ files: `${root}/usr/share/vulkan/icd.d/lvp_icd.json`, args: '--quick' });
    expect(runSh(root, [`--icd=${root}/usr/share/vulkan/icd.d/intel_icd.json`]).out.files).toBe(`${root}/usr/share/vulkan/icd.d/intel_icd.json`);
    const missing = runSh(root, ['--icd', '/nonexistent/icd.json']);
    expect([missing.status, missing.stderr.trim()]).toEqual([2, 'run.sh: --icd: no such file: /nonexistent/icd.json']);
    const noMesa = runSh(machine('no-mesa', []), ['--icd', 'lavapipe']);
    expect(noMesa.status).toBe(2);
    expect(noMesa.stderr).toContain('--icd lavapipe: no lvp_icd*.json in');
  });
});
