import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { filterGrid } from '../src';
import { decodeImage, encodePng } from '../src/node';

function conv(inChannels: number): tf.Sequential {
  return tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [8, 8, inChannels], name: 'conv1', filters: 5, kernelSize: 3, kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) })],
  });
}

describe('encodePng', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('writes a grey filter grid as one grey channel that decodes to the same RGBA pixels', () => {
    const grid = filterGrid(conv(1), { scale: 3 });
    const bytes = encodePng(grid, 'filters');
    const png = PNG.sync.read(Buffer.from(bytes));
    expect([png.width, png.height]).toEqual([grid.width, grid.height]);
    // Colour type 0: grey, no alpha.
    expect(bytes[25]).toBe(0);
    const back = decodeImage(bytes, 'filters.png');
    expect([back.width, back.height]).toEqual([grid.width, grid.height]);
    expect(Buffer.from(back.data).equals(Buffer.from(grid.data))).toBe(true);
  });

  it('keeps colour (three-channel filters) as RGBA, pixel for pixel', () => {
    const grid = filterGrid(conv(3), { scale: 2 });
    const bytes = encodePng(grid);
    expect(bytes[25]).toBe(6);
    expect(Buffer.from(decodeImage(bytes).data).equals(Buffer.from(grid.data))).toBe(true);
  });

  it('names the input and what it expected when the pixels do not fit the size', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8Array(15) }, 'grid')).toThrow('grid: expected 2x2 RGBA pixels (16 bytes), got 15 bytes');
    expect(() => encodePng({ width: 0, height: 2, data: new Uint8Array(0) }, 'grid')).toThrow(/grid: expected a positive integer width and height, got 0x2/);
  });
});
