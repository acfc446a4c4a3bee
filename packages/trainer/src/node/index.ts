/**
 * @zoo/trainer for Node: the same API as the main entry, with `train` reading and writing
 * checkpoints as files, plus the checkpoint readers. Node resolves `@zoo/trainer` here (the `node`
 * export condition), so `import { train } from '@zoo/trainer'` checkpoints in Node and bundles for
 * a browser.
 */
import type * as tf from '@tensorflow/tfjs';
import { trainWith, type TrainOptions } from '../train';
import type { TrainResult } from '../types';
import * as files from './checkpoint';

export * from '../index';

/**
 * Trains `model` (see the main entry's `train`), writing checkpoints to `checkpointDir` and
 * resuming from them.
 */
export function train(model: tf.LayersModel, options: TrainOptions): Promise<TrainResult> {
  return trainWith(files, model, options);
}

export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointInfo,
  type CheckpointManifest,
  type CheckpointState,
  type FileEntry,
  latestCheckpoint,
  loadCheckpoint,
  type LoadedCheckpoint,
  type TensorEntry,
} from './checkpoint';

export { DATA_PARALLEL_EXEC_ARGV, dataParallelExecArgv, type DataParallelGroup, type DataParallelOptions, startDataParallel } from './data-parallel/group';
export { type ReplicaSetup, serveReplica } from './data-parallel/worker';
