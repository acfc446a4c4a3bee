/**
 * The two networks the playground puts side by side. LeNet-5 is the ReLU + max-pool variant
 * (`lenet5-relu`, 89.6% on the test set): D2L's sigmoid original (`lenet5`, 85.4%) learns too slowly
 * from scratch in a browser-sized training run to show anything in a minute. Browser-safe data only:
 * vite.config.ts reads it too, to know which weights to publish.
 */
export interface PlaygroundModel {
  /** Registry name, also the folder of its weights under `weights/`. */
  readonly name: 'lenet5-relu' | 'alexnet-mini';
  readonly title: string;
}

export const MODELS: readonly PlaygroundModel[] = [
  { name: 'lenet5-relu', title: 'LeNet-5 (ReLU, max-pool)' },
  { name: 'alexnet-mini', title: 'alexnet-mini' },
];

/** Grid options of the page's filter and feature-map views; the browser test computes the same grids in Node to compare. */
export const FILTER_GRID = { scale: 8, gap: 2 } as const;
export const FEATURE_GRID = { scale: 2, gap: 1 } as const;

/** The page trains on the sample's first TRAIN_COUNT images and holds out the rest (the sample is interleaved by class). */
export const TRAIN_COUNT = 400;
