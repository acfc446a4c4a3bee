// Compiles src/wasm/simd/kernels.wat (twice: for wasm's plain heap and for the threaded build's shared
// one) into src/wasm/simd/module.ts, so that the library ships bytes and needs no compiler.
// Run: pnpm --filter @zoo/backend build:simd. test/wasm-simd-module.test.ts checks the file is current.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderSimdModule } from './simd-source.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const wat = await readFile(`${root}src/wasm/simd/kernels.wat`, 'utf8');
await writeFile(`${root}src/wasm/simd/module.ts`, await renderSimdModule(wat));
console.log('wrote src/wasm/simd/module.ts');
