/**
 * Checkpoints: model weights, optimizer state, position, RNG state, history and config, written so
 * that a reader only ever sees a complete one. One job a module: the folder layout and pruning
 * (checkpoint/layout.ts), tensor packing (tensors.ts), the manifest and its checks (manifest.ts),
 * writing (save.ts) and restoring (restore.ts); the architecture fingerprint is ../fingerprint.ts.
 */
export { latestCheckpoint, loadCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION } from './checkpoint/manifest';
export type { CheckpointInfo, CheckpointManifest, CheckpointState, LoadedCheckpoint } from './checkpoint/manifest';
export { removeIncompleteCheckpoints, resolveCheckpointPath } from './checkpoint/layout';
export { restoreCheckpoint } from './checkpoint/restore';
export { saveCheckpoint } from './checkpoint/save';
export type { FileEntry, NamedTensor, TensorEntry } from './checkpoint/tensors';
