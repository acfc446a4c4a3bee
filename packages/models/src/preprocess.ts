import type { Normalization } from './manifest';

/** What the zoo's training pipeline does to pixels (`@zoo/datasets`' `normalize: 'unit'`): x / 255. */
export const DEFAULT_NORMALIZATION: Normalization = Object.freeze({ scale: 1 / 255, offset: 0 });
