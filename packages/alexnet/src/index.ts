export { alexnet, ALEXNET_MODELS, ALEXNET_VARIANTS, type AlexNetConfig, type AlexNetVariant } from './alexnet';
export { loadPretrained } from './pretrained';
