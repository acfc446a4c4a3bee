export { checkInteger, checkIntegerList, checkKnownKeys, checkNumber, checkOneOf } from './checks';
export { defineFamily, type FamilyDefinition, type ModelFamily, type VariantRow } from './family';
export { GroupedConv2D, groupedConv2d, type GroupedConv2DArgs } from './grouped-conv2d';
export { createInitializer, deriveSeed, KERNEL_INITIALIZERS, type KernelInitializerName } from './initializers';
export { LocalResponseNormalization, localResponseNormalization, type LocalResponseNormalizationArgs } from './lrn';
export {
  checkInputSize,
  COMMON_CONFIG_KEYS,
  resolveCommonConfig,
  type CommonModelConfig,
  type ModelInfo,
  type OptimizerName,
  type ResolvedCommonConfig,
  type TrainingDefaults,
} from './model-info';
export {
  buildSequential,
  minInputSize,
  specFits,
  specParamCount,
  specShapes,
  type BuildOptions,
  type LayerSpec,
  type SpecActivation,
  type SpecShape,
} from './sequential-spec';
export {
  MANIFEST_JSON,
  parseManifest,
  sha256Hex,
  WEIGHTS_FORMAT,
  WEIGHTS_FORMAT_VERSION,
  WeightsError,
  type InputSpec,
  type ManifestEpoch,
  type Normalization,
  type WeightsManifest,
} from './pretrained/manifest';
export { DEFAULT_NORMALIZATION, preprocess, type BrowserImage, type ImageDecoder, type ImageInput, type RgbaImage } from './pretrained/preprocess';
export {
  checkLoadOptions,
  loadPretrainedFrom,
  loadPretrainedFromUrl,
  urlSource,
  type Classification,
  type LoadPretrainedOptions,
  type Pretrained,
  type WeightsSource,
} from './pretrained/load';

/**
 * Model analysis moved to `@zoo/analysis`; these names stay here for code written before the move.
 * @deprecated Import them from `@zoo/analysis`.
 */
export {
  activationGrid,
  convLayers,
  describeModel,
  featureMaps,
  filterGrid,
  formatBytes,
  formatCount,
  formatDescription,
  roofline,
  type ConvLayerInfo,
  type DeviceRoofs,
  type FeatureMapOptions,
  type FeatureMaps,
  type FilterGridOptions,
  type GridOptions,
  type ImageGrid,
  type LayerDescription,
  type ModelDescription,
  type Roofline,
  type RooflineLayer,
} from '@zoo/analysis';
