import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

describe('the committed SIMD module', () => {
  test('is what kernels.wat compiles to (run `pnpm --filter @zoo/backend build:simd` after editing it)', () => {
    // The generator is an ES module (wabt's loader); run it in a child rather than through jest's transform.
    const script = `import { readFileSync } from 'node:fs';
      import { renderSimdModule } from './scripts/simd-source.mjs';
      process.stdout.write(await renderSimdModule(readFileSync('src/wasm/simd/kernels.wat', 'utf8')));`;
    const fresh = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(readFileSync(join(root, 'src/wasm/simd/module.ts'), 'utf8')).toBe(fresh);
  });
});
