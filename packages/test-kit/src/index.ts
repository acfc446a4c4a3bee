export { between, seeded, values } from './random';
export { predictions, runOn, scaledMaxError } from './compare';
export { servedFetch } from './served-fetch';
export { useTempDir } from './temp-dir';
