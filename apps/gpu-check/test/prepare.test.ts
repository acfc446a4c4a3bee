import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// prepare.mjs builds the real folder (about 40 MiB, 20 s), and the folder then runs the bundled check
// here: the proof that the bundle carries everything it imports. It needs Debian's Vulkan loader
// to pack (installed, or downloadable with apt-get) and a linux-x64 machine.
const supported = process.platform === 'linux' && process.arch === 'x64';
const loaderInstalled = supported && spawnSync('dpkg-query', ['-W', 'libvulkan1']).status === 0;
const itPrepares = supported && loaderInstalled ? it : it.skip;
if (!loaderInstalled) process.stderr.write('gpu-check prepare test skipped: needs linux-x64 with libvulkan1 installed (apt-get install libvulkan1)\n');

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('scripts/prepare.mjs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'zoo-prepare-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  itPrepares('writes run.sh, README, MANIFEST and a payload that runs the check on its own node', () => {
    const dest = join(dir, 'zoo-gpu-check');
    execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'prepare.mjs'), '--dest', dest], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect(readdirSync(dest).sort()).toEqual(['MANIFEST.json', 'README.md', 'payload.tar.gz', 'run.sh']);
    expect(statSync(join(dest, 'run.sh')).mode & 0o111).toBe(0o111);

    const manifest = JSON.parse(readFileSync(join(dest, 'MANIFEST.json'), 'utf8')) as {
      versions: Record<string, string>;
      payloadSha256: string;
      contents: Record<string, { bytes: number; sha256: string }>;
    };
    expect(manifest.payloadSha256).toBe(sha256(join(dest, 'payload.tar.gz')));
    expect(manifest.versions).toMatchObject({ node: process.version, tfjs: '4.22.0', tfjsBackendWebgpu: '4.22.0' });
    for (const file of [
      'bin/node',
      'app/check.cjs',
      'app/node_modules/webgpu/index.js',
      'app/node_modules/webgpu/dist/linux-x64/dawn.node',
      'lib/libvulkan.so.1',
      'lib/compat/libstdc++.so.6',
      'lib/glibc/ld-linux-x86-64.so.2',
    ]) {
      expect(manifest.contents[file]?.bytes).toBeGreaterThan(0);
    }
    const listed = execFileSync('tar', ['-tzf', join(dest, 'payload.tar.gz')], { encoding: 'utf8' });
    expect(listed).toContain('app/check.cjs');

    // The bundled check, run by run.sh on the bundled node, on wasm (no GPU needed): it imports
    // @zoo/backend, @zoo/models and @zoo/trainer from inside the bundle. One wasm thread: threaded
    // wasm's workers need tfjs-backend-wasm's own bundle, not this one (README).
    const out = join(dir, 'results');
    const run = spawnSync(join(dest, 'run.sh'), ['--quick', '--backend', 'wasm', '--steps', '1', '--out', out], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ZOO_GPU_CHECK_WORK: join(dir, 'work'), ZOO_WASM_THREADS: '1' },
      timeout: 120_000,
    });
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(/gpu-check: backend: wasm on CPU/);
    expect(existsSync(join(out, 'gpu-check.json'))).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'gpu-check.json'), 'utf8')) as {
      throughput: { model: string }[];
      gradients: { ok: boolean }[];
      host: { node: string };
    };
    expect(report.gradients.map((g) => g.ok)).toEqual([true, true, true, true]);
    expect(report.throughput.map((t) => t.model)).toEqual(['alexnet', 'lenet5']);
    expect(report.host.node).toBe(process.version);
  });
});
