import { packageConfigWithShimmedNode } from '../../tsup.base.mjs';

export default packageConfigWithShimmedNode();
