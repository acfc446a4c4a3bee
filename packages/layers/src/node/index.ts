export {
  fileIOHandler,
  loadModel,
  MODEL_JSON,
  saveModel,
  syncDir,
  TEMP_PREFIX,
  writeFileAtomic,
  writeFileDurable,
  type WeightsFileCheck,
} from './file-io';
export { saveTrainedModel, type TrainedModelFacts } from './save-trained';
export { decodeImage, encodePng, fileSource, packageRoot } from './weights-files';
export { loadPretrainedNode, type NodeLoadPretrainedOptions } from './load-node';
