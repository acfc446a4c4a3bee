// What a user sees of each library on npm: a README that says what it is, how to install it, a
// runnable example (packages/alexnet/scripts/check-pack.mjs runs them) and the API; the licence its
// `license` field names; where it comes from; which of its files have side effects; and siblings
// it depends on by range, so one tarball installs without pinning the others.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const LIBRARIES = ['backend', 'fs', 'analysis', 'layers', 'lenet', 'alexnet', 'models', 'datasets', 'trainer'];
const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

interface Manifest {
  name: string;
  license: string;
  keywords?: string[];
  repository?: { type: string; url: string; directory: string };
  engines?: { node?: string };
  sideEffects?: boolean | string[];
  exports: Record<string, unknown>;
  files: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

describe.each(LIBRARIES)('@zoo/%s is ready for npm', (dir) => {
  const at = (file: string) => join(ROOT, 'packages', dir, file);
  const pkg = JSON.parse(readFileSync(at('package.json'), 'utf8')) as Manifest;

  it('has a README with what it is, how to install it, an example and the API', () => {
    const readme = readFileSync(at('README.md'), 'utf8');
    expect(readme.startsWith(`# ${pkg.name}\n`)).toBe(true);
    for (const heading of ['## Install', '## Example', '## API']) expect(readme).toContain(`\n${heading}\n`);
    expect(readme).toContain(`npm install ${pkg.name}`);
  });

  it('ships the MIT licence its license field names', () => {
    expect(pkg.license).toBe('MIT');
    expect(existsSync(at('LICENSE'))).toBe(true);
    expect(readFileSync(at('LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
  });

  it('says where it comes from, what it is about and which Node it needs', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: root.repository.url, directory: `packages/${dir}` });
    expect(pkg.keywords?.length).toBeGreaterThan(2);
    expect(pkg.engines?.node).toBe(root.engines.node);
  });

  it('declares its side effects: registering layers on import is one', () => {
    // Only @zoo/layers registers anything when imported (LocalResponseNormalization, GroupedConv2D).
    expect(pkg.sideEffects).toBe(dir === 'layers');
  });

  it('depends on its siblings by range and on TF.js as a peer', () => {
    for (const field of ['dependencies', 'devDependencies'] as const) {
      for (const [name, range] of Object.entries(pkg[field] ?? {})) {
        if (name.startsWith('@zoo/')) expect(`${name}@${range}`).toBe(`${name}@workspace:^`);
      }
    }
    // @zoo/fs writes files and uses no TF.js.
    if (dir !== 'fs') expect(pkg.peerDependencies?.['@tensorflow/tfjs']).toMatch(/^\^4\./);
  });

  it('exports a browser-safe main entry and its Node-only part at ./node', () => {
    // @zoo/analysis has no Node-only part, @zoo/fs nothing else.
    const entries: Record<string, string[]> = { analysis: ['.'], fs: ['./node'] };
    expect(Object.keys(pkg.exports)).toEqual(entries[dir] ?? expect.arrayContaining(['.', './node']));
    expect(pkg.files).toContain('dist');
  });
});
