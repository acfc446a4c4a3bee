import { checkOneOf, loadPretrainedFromUrl, type LoadPretrainedOptions, type Pretrained } from '@zoo/layers';
import { LENET_VARIANTS, type LeNetVariant } from './lenet';

/**
 * Loads trained weights of a LeNet variant from `options.url` (the folder holding manifest.json),
 * verified against its manifest; the browser's way. In Node, `@zoo/lenet/node`'s `loadPretrained`
 * reads the weights shipped in this package from disk.
 */
export async function loadPretrained(name: LeNetVariant, options: LoadPretrainedOptions = {}): Promise<Pretrained> {
  return loadPretrainedFromUrl(checkOneOf('loadPretrained', 'name', name, LENET_VARIANTS), options);
}
