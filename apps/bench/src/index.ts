export { childEnv, type ChildEnv } from './child-env';
export { parseBenchArgs, type BenchOptions } from './cli';
export { basePolicy, DEFAULT_BACKENDS, DEFAULT_WORKLOADS, FULL_POLICY, MODES, planTasks, QUICK_POLICY, skippedTasks, SLOW_BACKENDS, SLOW_BATCHES, type PlanOptions } from './plan';
export type { ChildJob, ChildMessage, ProfileReport } from './protocol';
export { defaultPython, probePytorch, runPytorchPeer, type PeerJob, type PeerRun, type PeerTask, type ProbeResult } from './pytorch';
export { formatProfile, formatReport } from './report';
export { childRuns, oversubscribed, runBench, type BenchDeps, type FullReport } from './run';
export { imagesPerSecond, median, summarize, wantAnotherStep, type StepStats } from './stats';
export { backendLabel, compare, formatRate, formatTable } from './table';
export { samePadding, torchSpec, UnsupportedLayerError, type LayerLike, type Pad4, type TorchLayer, type TorchModelSpec } from './torch-spec';
export type {
  BackendReport,
  BenchFailure,
  BenchMode,
  BenchReport,
  BenchResult,
  ComparisonRow,
  PeerReport,
  StepPolicy,
  Task,
  Workload,
} from './types';
