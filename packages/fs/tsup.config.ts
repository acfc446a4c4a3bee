import { packageConfig } from '../../tsup.base.mjs';

// Node only: the one entry is ./node.
export default packageConfig({ 'node/index': 'src/node/index.ts' });
