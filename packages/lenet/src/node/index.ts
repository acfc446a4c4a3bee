import { join } from 'node:path';
import { checkOneOf, type Pretrained } from '@zoo/layers';
import { loadPretrainedNode, packageRoot, type NodeLoadPretrainedOptions } from '@zoo/layers/node';
import { LENET_VARIANTS, type LeNetVariant } from '../lenet';

/** The folder of this package's shipped weights, one sub-folder per variant (`weights/<name>/`). */
export const LENET_WEIGHTS_DIR: string = join(packageRoot('@zoo/lenet', __dirname), 'weights');

/**
 * Loads trained weights of a LeNet variant in Node: by default the ones shipped in this package
 * (no network), or those at `weightsPath` / `url`, verified against their manifest. PNG and JPEG
 * bytes are accepted by `classify` and `preprocess`.
 */
export async function loadPretrained(name: LeNetVariant, options: NodeLoadPretrainedOptions = {}): Promise<Pretrained> {
  return loadPretrainedNode(checkOneOf('loadPretrained', 'name', name, LENET_VARIANTS), LENET_WEIGHTS_DIR, options);
}
