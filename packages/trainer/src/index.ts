export { MAX_SEED, train, type TrainOptions } from './train';
export { type AsyncTrainingStep, type DataParallel, type ReplicaRecipe, replicaSeed, sliceSizes } from './parallel';
export {
  type ApplyGradients,
  createTrainingStep,
  type CreatedTrainingStep,
  type CreateTrainingStepOptions,
  gradientStep,
  type GradientStep,
  gradientUpdate,
  type StepGradients,
  trainableVariables,
  trainingStep,
  type TrainingStep,
  type TrainingStepParts,
} from './step';
export { evaluate, type EvaluateOptions, type EvaluationResult } from './evaluate';
export type {
  BatchBeginLogs,
  BatchEndLogs,
  EpochBeginLogs,
  EpochRecord,
  PartialEpoch,
  ResolvedTrainConfig,
  RunPosition,
  TrainBeginLogs,
  TrainCallbacks,
  TrainResult,
} from './types';
export { type BatchDataset, type DatasetSource, type TrainingBatch } from './data';
export {
  AdamOptimizer,
  createOptimizer,
  MomentumOptimizer,
  type OptimizerName,
  type OptimizerOptions,
  type ResolvedOptimizerConfig,
  resolveOptimizerOptions,
  SgdOptimizer,
  TrainerOptimizer,
} from './optimizers';
export {
  cosineDecay,
  type CosineDecayOptions,
  describeLr,
  type LrSchedule,
  type LrScheduleDescription,
  piecewiseConstant,
  type PiecewiseConstantOptions,
  recipeLearningRate,
  type LrRecipe,
} from './schedules';
export { classifierHead, type ClassifierHead, type LossFrom, type LossSource, PROBABILITY_EPSILON } from './loss';
export { architectureFingerprint, type ArchitectureFingerprint, type LayerFingerprint } from './fingerprint';
export { CheckpointError, NonFiniteLossError, TrainingAbortedError, type TrainingPosition } from './errors';
export { STEP_RNG_ALGORITHM, stepSeed, withSeededMathRandom } from './seeded-random';
