export { lenet, LENET_FAMILY, LENET_MODELS, LENET_VARIANTS, type LeNetConfig, type LeNetVariant } from './lenet';
export { loadPretrained } from './pretrained';
