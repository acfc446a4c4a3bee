export type { DownloadDoneEvent, DownloadEvent, DownloadFailedEvent, DownloadProgressEvent, DownloadRetryEvent } from './download';
export { defaultCacheDir, describeSource, loadDataset, loadFashionMnist, loadMnist } from './load';
export type { DataSource, Env, LoadOptions, MnistLike, SourceKind } from './load';
export { readIdxFile } from './read-idx';
export type { VerifiedIdx } from './read-idx';
