export { isProcessAlive } from './process';
export { moveIntoPlace, syncDir, TEMP_PREFIX, writeFileAtomic, writeFileDurable, type FileContent } from './write';
