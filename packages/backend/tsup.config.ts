import { packageConfig } from '../../tsup.base.mjs';

export default packageConfig(undefined, {
  // tsup leaves dependencies and peerDependencies out of the bundle but not optionalDependencies;
  // Dawn's binding must load its native addon from its own folder, so these stay imports.
  external: ['webgpu', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', /^onnxruntime-node(\/|$)/],
  // In the CommonJS build, optional packages load with require(): a native import() there fails under
  // Jest's module runtime ("dynamic import callback was invoked without --experimental-vm-modules"),
  // which is where other packages' tests run this build.
  esbuildOptions(options, context) {
    if (context.format === 'cjs') options.supported = { ...options.supported, 'dynamic-import': false };
  },
});
