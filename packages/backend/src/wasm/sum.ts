import { AvgPool, Multiply, Reshape, Sum, util, type KernelBackend, type KernelConfig, type KernelFunc, type SumAttrs } from '@tensorflow/tfjs';
import { inScope, requireInput, WASM } from './kernel-scope';

/**
 * How many axes are reduced, when they are the leading ones and at least one axis is kept (`[0]`,
 * `[0, 1]`, ... short of all); otherwise null.
 */
export function leadingAxes(axis: number | number[], shape: readonly number[]): number | null {
  const axes = [...new Set(util.parseAxisParam(axis, [...shape]))].sort((a, b) => a - b);
  const count = axes.length;
  if (count === 0 || count >= shape.length || !axes.every((a, i) => a === i)) return null;
  return count;
}

/**
 * The `Sum` kernel for wasm. wasm's own moves the reduced axes innermost with a transpose before
 * summing, which makes a bias gradient (dy summed over batch, height and width) cost 4-28x a
 * forward max pool. Over leading axes this one runs XNNPACK's average pooling instead, one window
 * over all the reduced positions, and scales the mean back to a sum: 6-9x faster on the zoo's
 * layers (a product with a row of ones is not, since XNNPACK repacks its right operand every call).
 * Other reductions, and non-float32 ones, go to wasm's kernel.
 * @param native wasm's own kernel.
 */
export function sumConfig(native: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { inputs, attrs, backend } = args;
    const x = requireInput(inputs, 'x', Sum);
    const { axis, keepDims } = attrs as unknown as SumAttrs;
    const leading = x.dtype === 'float32' ? leadingAxes(axis, x.shape) : null;
    if (leading === null) return native.kernelFunc(args);
    const kept = x.shape.slice(leading);
    const cols = util.sizeFromShape(kept);
    // The pooling window: the innermost reduced axis as its width, the rest as its height.
    const width = x.shape[leading - 1];
    const height = util.sizeFromShape(x.shape.slice(0, leading - 1));
    const outShape = keepDims ? [...new Array<number>(leading).fill(1), ...kept] : kept;
    return inScope(backend as KernelBackend, (scope) => {
      const image = scope.run(Reshape, { x }, { shape: [1, height, width, cols] });
      const window = [height, width];
      const mean = scope.run(AvgPool, { x: image }, { filterSize: window, strides: window, pad: 'valid' });
      const count = scope.constant(new Float32Array([height * width]), []);
      const total = scope.run(Multiply, { a: mean, b: count });
      return scope.run(Reshape, { x: total }, { shape: outShape });
    });
  };
  return { kernelName: Sum, backendName: WASM, setupFunc: native.setupFunc, kernelFunc };
}
