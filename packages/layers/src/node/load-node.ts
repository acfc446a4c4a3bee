import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkLoadOptions, loadPretrainedFrom, urlSource, type LoadPretrainedOptions, type Pretrained } from '../pretrained/load';
import { MANIFEST_JSON } from '../pretrained/manifest';
import { decodeImage, fileSource } from './weights-files';

/** Options of the Node loaders: those of the browser's, and a folder on disk. */
export interface NodeLoadPretrainedOptions extends LoadPretrainedOptions {
  /** Folder on disk holding manifest.json, model.json and the weights (e.g. a compare run's `models/<name>`). Default: the shipped weights. */
  weightsPath?: string;
}

/**
 * Loads `name` in Node: from `weightsPath` or `url` when given (an `http(s):` URL is fetched, a
 * `file:` URL read from disk), else from `<shippedDir>/<name>`, with no network. PNG and JPEG bytes
 * are accepted by `preprocess` and `classify`.
 */
export async function loadPretrainedNode(name: string, shippedDir: string, options: NodeLoadPretrainedOptions = {}): Promise<Pretrained> {
  const where = `loadPretrained('${name}')`;
  checkLoadOptions(where, options, ['weightsPath']);
  const { url, fetch: fetchFn, weightsPath, ...rest } = options;
  if (url !== undefined && weightsPath !== undefined) throw new RangeError(`${where}: pass url or weightsPath, not both`);
  let source;
  if (weightsPath !== undefined) source = fileSource(weightsPath);
  else if (url !== undefined) {
    const text = String(url);
    if (!/^(https?|file):/i.test(text)) throw new RangeError(`${where}: url must be an http(s): or file: URL, got ${JSON.stringify(text)}; for a folder on disk pass weightsPath`);
    source = text.startsWith('file:') ? fileSource(url) : urlSource(url, fetchFn);
  }
  else {
    const dir = join(shippedDir, name);
    if (!existsSync(join(dir, MANIFEST_JSON))) {
      throw new RangeError(
        `${where}: no weights ship for '${name}' (looked for ${join(dir, MANIFEST_JSON)}); pass { weightsPath } or { url } of a folder with manifest.json, model.json and the weights, such as a compare run's models/${name}`,
      );
    }
    source = fileSource(dir);
  }
  return loadPretrainedFrom(source, name, rest, decodeImage);
}
