export { lenet, LENET_MODELS, LENET_VARIANTS, type LeNetConfig, type LeNetVariant } from './lenet';
export { loadPretrained } from './pretrained';
