export { alexnet, ALEXNET_FAMILY, ALEXNET_MODELS, ALEXNET_VARIANTS, type AlexNetConfig, type AlexNetVariant } from './alexnet';
export { loadPretrained } from './pretrained';
