export { registerWasmTrainingKernels, type WasmTrainingKernelOptions } from './register';
export { chooseFilterGradient, FILTER_GRADIENT_ALGORITHMS, FILTER_GRADIENT_CHOICES, type FilterGradientAlgorithm, type FilterGradientChoice } from './conv2d-backprop-filter';
export { INPUT_GRADIENT_ALGORITHMS, type InputGradientAlgorithm } from './conv2d-backprop-input';
export { MAX_WASM_THREADS } from './limits';
