/**
 * What encodePng costs on the pictures compare's report writes for D2L AlexNet at 224 px: its five
 * convolutions' feature maps for one image (grey grids of 549, 431, 259, 259 and 207 px square),
 * against pngjs's defaults on RGBA input (what encodePng did first). Median of 5.
 * Run from packages/layers after a build: node scripts/bench-png.mjs
 */
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { activationGrid } from '@zoo/layers';
import { encodePng } from '@zoo/layers/node';

await tf.setBackend('cpu');
// AlexNet's conv outputs at 224 px (h, w, channels), with ReLU-like values: many zeros, the rest spread.
const shapes = [[54, 54, 96], [26, 26, 256], [12, 12, 384], [12, 12, 384], [12, 12, 256]];
const grids = shapes.map((shape, i) => {
  const values = tf.tidy(() => tf.relu(tf.randomNormal([shape[0] * shape[1] * shape[2]], 0, 1, 'float32', i + 1)).dataSync());
  return activationGrid(values, shape);
});
const pngjsDefaults = (g) => {
  const png = new PNG({ width: g.width, height: g.height });
  png.data = Buffer.from(g.data.buffer, g.data.byteOffset, g.data.byteLength);
  return PNG.sync.write(png, { colorType: 0 });
};
const time = (label, encode) => {
  const runs = [];
  let bytes = 0;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    bytes = grids.reduce((n, g) => n + encode(g).length, 0);
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  console.log(`${label}: median ${runs[2].toFixed(0)} ms (min ${runs[0].toFixed(0)}, max ${runs[4].toFixed(0)}), ${bytes} bytes`);
};
time('pngjs defaults, RGBA in (all five filters tried per row)', pngjsDefaults);
time('grey in, all five filters tried per row', (g) => {
  const png = new PNG({ width: g.width, height: g.height });
  png.data = Buffer.from(Array.from({ length: g.width * g.height }, (_, i) => g.data[i * 4]));
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
});
time('encodePng (grey in, Paeth filter)', (g) => encodePng(g));
