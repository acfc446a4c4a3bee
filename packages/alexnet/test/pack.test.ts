// The published form, as a user installs it: scripts/check-pack.mjs packs the libraries, installs
// them together into a fresh project, then @zoo/alexnet alone by name (its siblings served from a
// local registry), and runs snippets, the README examples and tsc against them.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

it('packed tarballs install and work, together and @zoo/alexnet alone', () => {
  const result = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'check-pack.mjs')], {
    encoding: 'utf8',
    timeout: 9 * 60_000,
    env: { ...process.env, KEEP: '0', ZOO_PACK_PREBUILT: '1' },
  });
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) throw new Error(`check-pack exited with ${result.status ?? result.signal}:\n${output.slice(-4000)}`);
  expect(output).toMatch(/pack check \(together\) passed/);
  // alexnet's one zoo dependency, and those of that (@zoo/layers: @zoo/analysis, @zoo/fs), in whatever order npm asks.
  const served = /registry served: (.*)\n/.exec(output)?.[1].split(', ');
  expect(served?.[0]).toBe('/@zoo/alexnet');
  expect(served?.slice(1).sort()).toEqual(['/@zoo/analysis', '/@zoo/fs', '/@zoo/layers']);
  expect(output).toMatch(/pack check \(alone\) passed: @zoo\/alexnet installs by name with only its own dependencies/);
}, 10 * 60_000);
