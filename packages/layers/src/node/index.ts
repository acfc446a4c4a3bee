export { fileIOHandler, loadModel, MODEL_JSON, saveModel } from './file-io';
