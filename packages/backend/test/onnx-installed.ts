/**
 * Whether onnxruntime-node is installed. It is an optional dependency (`pnpm install` installs it;
 * its postinstall, which only fetches CUDA libraries, is skipped), so only its absence skips the
 * ONNX Runtime suites: a present but changed binding fails them.
 */
export function onnxRuntimeInstalled(): boolean {
  try {
    require.resolve('onnxruntime-node/dist/binding.js');
    return true;
  } catch {
    return false;
  }
}
