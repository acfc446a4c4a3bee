import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { probeWebGpu } from './webgpu-probe';

// What a newcomer's first run prints: the real initBackend({ backend: 'auto' }) in a fresh Node
// process, built from src by esbuild (tsup's) into node_modules/.cache so that the packages resolve
// from this package. Dawn, asked in-process, would print its Vulkan and "maxDynamic…" warnings to
// stderr before the backend line; auto must leave that noise in its child-process probe.
const root = resolve(__dirname, '..');
const bundle = join(root, 'node_modules', '.cache', 'zoo-backend-tests', 'auto-stderr.cjs');
const DAWN_NOISE = /artificially reduced|maxDynamic|Vulkan|vkCreateInstance|loader_get_json|^Warning:/im;

beforeAll(async () => {
  // tsup's own esbuild: this package has no dependency of its own on it.
  const esbuild = createRequire(createRequire(__filename).resolve('tsup/package.json'))('esbuild') as { build(options: object): Promise<unknown> };
  mkdirSync(join(bundle, '..'), { recursive: true });
  await esbuild.build({
    stdin: {
      contents: `
        const { describeBackend, initBackend } = require(${JSON.stringify(join(root, 'src', 'node', 'index.ts'))});
        initBackend({ backend: 'auto' }).then(
          (info) => { console.log(describeBackend(info)); process.exit(0); },
          (err) => { console.error('initBackend failed: ' + err.message); process.exit(1); },
        );`,
      resolveDir: root,
      loader: 'js',
    },
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
});

function autoRun(env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bundle], { cwd: root, env: { ...process.env, ZOO_BACKEND: '', ...env }, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("initBackend({ backend: 'auto' }) in a fresh process", () => {
  it("prints the backend line and none of Dawn's warnings", () => {
    const run = autoRun({});
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^backend: \S+/m);
    expect(run.stderr).not.toMatch(DAWN_NOISE);
    const probe = probeWebGpu();
    // On a software adapter (lavapipe here and in CI) the line says why WebGPU was passed over.
    if (probe.found && probe.info.description && /llvmpipe|lavapipe|swiftshader/i.test(probe.info.description)) {
      expect(run.stdout).toContain(`webgpu (only a software adapter '${probe.info.description}`);
    }
  });

  it('stays as quiet where Vulkan has no driver at all, and says so in the line', () => {
    const run = autoRun({ VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ICD_FILENAMES: '/nonexistent/icd.json' });
    expect(run.status).toBe(0);
    expect(run.stderr).not.toMatch(DAWN_NOISE);
    expect(run.stdout).toMatch(/^backend: .*skipped .*webgpu \((no WebGPU adapter found|the webgpu package|no Vulkan loader)/m);
  });
});
