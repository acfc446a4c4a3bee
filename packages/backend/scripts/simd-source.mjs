import wabtFactory from 'wabt';

const MEMORY_LINE = '(import "env" "memory" (memory 1)) ;; @memory';
// A shared memory import must declare a maximum; 65536 pages (4 GiB) admits any wasm32 heap.
const SHARED_LINE = '(import "env" "memory" (memory 1 65536 shared))';

async function compile(wabt, text) {
  const features = { simd: true, threads: true };
  const parsed = wabt.parseWat('kernels.wat', text, features);
  try {
    parsed.validate(features);
    return Buffer.from(parsed.toBinary({}).buffer).toString('base64');
  } finally {
    parsed.destroy();
  }
}

/** The TypeScript source of module.ts for the WAT text `wat`. */
export async function renderSimdModule(wat) {
  if (!wat.includes(MEMORY_LINE)) throw new Error(`kernels.wat must import its memory with the line: ${MEMORY_LINE}`);
  const wabt = await wabtFactory();
  const plain = await compile(wabt, wat);
  const shared = await compile(wabt, wat.replace(MEMORY_LINE, SHARED_LINE));
  return `// Generated from kernels.wat by scripts/build-simd.mjs; do not edit.
/** kernels.wat compiled for an imported unshared memory (wasm's single-threaded builds). */
export const SIMD_MODULE_BASE64 = '${plain}';
/** kernels.wat compiled for an imported shared memory (wasm's threaded build). */
export const SIMD_MODULE_SHARED_BASE64 = '${shared}';
`;
}
