import type { Options } from 'tsup';
import { packageConfig } from '../../tsup.base.mjs';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

// src/node/module-file.ts is CommonJS's `__filename`; the ESM build takes its import.meta.url twin.
const esmModuleFile: Plugin = {
  name: 'esm-module-file',
  setup(build) {
    if (build.initialOptions.format !== 'esm') return;
    build.onResolve({ filter: /\/module-file$/ }, (args) => ({ path: `${args.resolveDir}/module-file.esm.ts` }));
  },
};

export default packageConfig(undefined, {
  // tsup leaves dependencies and peerDependencies out of the bundle but not optionalDependencies;
  // Dawn's binding must load its native addon from its own folder, so these stay imports.
  external: ['webgpu', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', /^onnxruntime-node(\/|$)/],
  esbuildPlugins: [esmModuleFile],
  // In the CommonJS build, optional packages load with require(): a native import() there fails under
  // Jest's module runtime ("dynamic import callback was invoked without --experimental-vm-modules"),
  // which is where other packages' tests run this build.
  esbuildOptions(options, context) {
    if (context.format === 'cjs') options.supported = { ...options.supported, 'dynamic-import': false };
  },
});
