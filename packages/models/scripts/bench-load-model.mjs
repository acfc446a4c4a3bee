/** What checking a saved model on load costs: loadModel of D2L AlexNet (187 MB of weights) with and without the recorded SHA-256. */
import * as tf from '@tensorflow/tfjs';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModel, loadModel } from '@zoo/layers/node';
import { createModel } from '@zoo/models';
// Run from packages/models after a build: node scripts/bench-load-model.mjs
await tf.setBackend('cpu');
const dir = await mkdtemp(join(tmpdir(), 'robust-load-'));
const model = createModel('alexnet', {});
await saveModel(model, dir);
const time = async (label) => {
  const runs = [];
  for (let i = 0; i < 5; i++) { const t = performance.now(); const m = await loadModel(dir); runs.push(performance.now() - t); m.dispose(); }
  runs.sort((a, b) => a - b);
  console.log(`${label}: median ${runs[2].toFixed(0)} ms (min ${runs[0].toFixed(0)}, max ${runs[4].toFixed(0)})`);
};
await time('loadModel alexnet, checksum checked');
const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
delete json.weightsIntegrity;
await writeFile(join(dir, 'model.json'), JSON.stringify(json));
await time('loadModel alexnet, no checksum recorded (as before)');
await rm(dir, { recursive: true });
