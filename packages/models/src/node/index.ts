import type { Pretrained } from '@zoo/layers';
import { loadPretrainedNode, type NodeLoadPretrainedOptions } from '@zoo/layers/node';
import { ALEXNET_WEIGHTS_DIR } from '@zoo/alexnet/node';
import { LENET_WEIGHTS_DIR } from '@zoo/lenet/node';
import { getModelInfo, type ModelName } from '../registry';

export { decodeImage, fileSource, loadPretrainedNode, saveTrainedModel, type NodeLoadPretrainedOptions, type TrainedModelFacts } from '@zoo/layers/node';

const WEIGHTS_DIRS: Readonly<Record<string, string>> = { lenet: LENET_WEIGHTS_DIR, alexnet: ALEXNET_WEIGHTS_DIR };

/** The folder a model's shipped weights live in (whether or not any ship for it). */
export function shippedWeightsDir(name: ModelName): string {
  return `${WEIGHTS_DIRS[getModelInfo(name).family]}/${name}`;
}

/**
 * Loads trained weights of any zoo model in Node: by default the ones shipped in its family package
 * (no network), or those at `weightsPath` / `url` (required for `alexnet` and `alexnet-classic`,
 * too big to ship), verified against their manifest's SHA-256. `classify` and `preprocess` also take
 * PNG and JPEG bytes.
 */
export async function loadPretrained(name: ModelName, options: NodeLoadPretrainedOptions = {}): Promise<Pretrained> {
  const family = getModelInfo(name).family;
  return loadPretrainedNode(name, WEIGHTS_DIRS[family], options);
}
