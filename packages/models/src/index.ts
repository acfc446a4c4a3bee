export { createModel, getModelInfo, isModelName, listModels, MODEL_NAMES, MODELS, type ModelConfig, type ModelName } from './registry';
export type { CommonModelConfig, ModelInfo, TrainingDefaults } from '@zoo/layers';
export { alexnet, ALEXNET_MODELS, ALEXNET_VARIANTS, type AlexNetConfig, type AlexNetVariant } from '@zoo/alexnet';
export { lenet, LENET_MODELS, LENET_VARIANTS, type LeNetConfig, type LeNetVariant } from '@zoo/lenet';
