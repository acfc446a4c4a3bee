export { fileIOHandler, loadModel, MODEL_JSON, saveModel, type WeightsFileCheck } from './file-io';
/** The one atomic writer lives in `@zoo/fs`; re-exported here for code that imports it from `@zoo/layers/node`. */
export { syncDir, TEMP_PREFIX, writeFileAtomic, writeFileDurable } from '@zoo/fs/node';
export { saveTrainedModel, type TrainedModelFacts } from './save-trained';
export { decodeImage, encodePng, fileSource, packageRoot } from './weights-files';
export { loadPretrainedNode, type NodeLoadPretrainedOptions } from './load-node';
