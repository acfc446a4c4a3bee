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
  // alexnet's one zoo dependency, and the one of that (@zoo/layers re-exports @zoo/analysis).
  expect(output).toMatch(/registry served: \/@zoo\/alexnet, (\/@zoo\/layers, \/@zoo\/analysis|\/@zoo\/analysis, \/@zoo\/layers)\n/);
  expect(output).toMatch(/pack check \(alone\) passed: @zoo\/alexnet installs by name with only its own dependencies/);
}, 10 * 60_000);
