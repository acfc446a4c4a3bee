import {
  BatchMatMul,
  Reshape,
  Transpose,
  util,
  type BatchMatMulAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { inScope, requireInput, type KernelScope, WASM } from './kernel-scope';

/** How a product with transposed operands is rearranged so that XNNPACK runs it untransposed. */
export type MatMulPlan = 'native' | 'direct' | 'swapped';

/**
 * Chooses the cheaper rearrangement of `op(A)·op(B)` (A is m×k or k×m, B is k×n or n×k) into a
 * product of untransposed operands, counting elements copied by transposes:
 * - `direct`: transpose whichever operand is flagged, then multiply;
 * - `swapped`: compute `(op(B)^T · op(A)^T)^T`, where a flagged operand needs no copy and the
 *   unflagged ones and the m×n result do;
 * - `native`: nothing is transposed, wasm's kernel already takes its fast path.
 */
export function planMatMul(m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): MatMulPlan {
  if (!transposeA && !transposeB) return 'native';
  const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0);
  const swapped = (transposeA ? 0 : m * k) + (transposeB ? 0 : k * n) + m * n;
  return swapped < direct ? 'swapped' : 'direct';
}

function matrix(scope: KernelScope, x: TensorInfo, rows: number, cols: number, transpose: boolean): TensorInfo {
  const flat = scope.run(Reshape, { x }, { shape: [rows, cols] });
  if (!transpose) return flat;
  const out = scope.run(Transpose, { x: flat }, { perm: [1, 0] });
  scope.release(flat);
  return out;
}

/**
 * The `BatchMatMul` kernel for wasm. wasm's own kernel sends any product with a transposed operand
 * (which is every product in a dense layer's backward pass) to a scalar triple loop; this one
 * copies the cheaper side into untransposed form so the product runs on XNNPACK's GEMM. Batched
 * products (batch above 1) and non-float32 inputs go to wasm's kernel unchanged.
 * @param native wasm's own kernel.
 */
export function batchMatMulConfig(native: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { inputs, attrs, backend } = args;
    const a = requireInput(inputs, 'a', BatchMatMul);
    const b = requireInput(inputs, 'b', BatchMatMul);
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    const aRank = a.shape.length;
    const bRank = b.shape.length;
    const batchA = util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = util.sizeFromShape(b.shape.slice(0, -2));
    if (batchA !== 1 || batchB !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') return native.kernelFunc(args);
    const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
    const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
    const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
    const plan = planMatMul(m, k, n, transposeA, transposeB);
    if (plan === 'native') return native.kernelFunc(args);
    const outShape = [...new Array<number>(Math.max(aRank, bRank) - 2).fill(1), m, n];
    const product = (scope: KernelScope, left: TensorInfo, right: TensorInfo): TensorInfo =>
      scope.run(native.kernelFunc, { a: left, b: right }, { transposeA: false, transposeB: false });

    return inScope(backend as KernelBackend, (scope) => {
      // Stored shapes: A is [k, m] when transposeA else [m, k]; B is [n, k] when transposeB else [k, n].
      const aRows = transposeA ? k : m;
      const aCols = transposeA ? m : k;
      const bRows = transposeB ? n : k;
      const bCols = transposeB ? k : n;
      if (plan === 'direct') {
        const left = matrix(scope, a, aRows, aCols, transposeA);
        const right = matrix(scope, b, bRows, bCols, transposeB);
        const out = product(scope, left, right);
        return scope.run(Reshape, { x: out }, { shape: outShape });
      }
      // op(B)^T is B as stored when transposeB, else B transposed; likewise op(A)^T.
      const left = matrix(scope, b, bRows, bCols, !transposeB);
      const right = matrix(scope, a, aRows, aCols, !transposeA);
      const outT = product(scope, left, right);
      const out = scope.run(Transpose, { x: outT }, { perm: [1, 0] });
      scope.release(outT);
      return scope.run(Reshape, { x: out }, { shape: outShape });
    });
  };
  return { kernelName: BatchMatMul, backendName: WASM, setupFunc: native.setupFunc, kernelFunc };
}
