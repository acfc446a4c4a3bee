export { between, seeded, values } from './random';
export { runOn, scaledMaxError } from './compare';
export { servedFetch } from './served-fetch';
