export { createModel, getModelInfo, isModelName, listModels, MODEL_NAMES, MODELS, type ModelConfig, type ModelName } from './registry';
export { loadPretrained, PRETRAINED_MODELS, PRETRAINED_TARGETS } from './pretrained';
export type { CommonModelConfig, ModelInfo, TrainingDefaults } from '@zoo/layers';
export {
  DEFAULT_NORMALIZATION,
  MANIFEST_JSON,
  preprocess,
  urlSource,
  WEIGHTS_FORMAT,
  WEIGHTS_FORMAT_VERSION,
  WeightsError,
  type BrowserImage,
  type Classification,
  type ImageInput,
  type InputSpec,
  type LoadPretrainedOptions,
  type Normalization,
  type Pretrained,
  type RgbaImage,
  type WeightsManifest,
} from '@zoo/layers';
export { alexnet, ALEXNET_MODELS, ALEXNET_VARIANTS, type AlexNetConfig, type AlexNetVariant } from '@zoo/alexnet';
export { lenet, LENET_MODELS, LENET_VARIANTS, type LeNetConfig, type LeNetVariant } from '@zoo/lenet';
