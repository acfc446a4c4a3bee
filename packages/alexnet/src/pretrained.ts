import { checkOneOf, loadPretrainedFromUrl, type LoadPretrainedOptions, type Pretrained } from '@zoo/layers';
import { ALEXNET_VARIANTS, type AlexNetVariant } from './alexnet';

/**
 * Loads trained weights of a AlexNet variant from `options.url` (the folder holding manifest.json),
 * verified against its manifest; the browser's way. In Node, `@zoo/alexnet/node`'s `loadPretrained`
 * reads the weights shipped in this package from disk.
 */
export async function loadPretrained(name: AlexNetVariant, options: LoadPretrainedOptions = {}): Promise<Pretrained> {
  return loadPretrainedFromUrl(checkOneOf('loadPretrained', 'name', name, ALEXNET_VARIANTS), options);
}
