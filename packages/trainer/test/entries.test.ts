import * as tf from '@tensorflow/tfjs';
import * as main from '../src';
import * as node from '../src/node';
import { dataset, model, synthetic } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const options = (extra: object) => ({ train: dataset(synthetic(32, 1), 16), epochs: 1, optimizer: { name: 'sgd' as const, lr: 0.1 }, ...extra });

describe('the browser-safe main entry and the Node entry', () => {
  test('the Node entry offers everything the main entry does, and the checkpoint readers besides', () => {
    for (const name of Object.keys(main)) expect(node).toHaveProperty(name);
    expect(typeof node.latestCheckpoint).toBe('function');
    expect(main).not.toHaveProperty('latestCheckpoint');
  });

  test("the main entry's train trains, and says checkpoints need the Node build rather than half-running", async () => {
    const { history } = await main.train(model(), options({}));
    expect(history).toHaveLength(1);
    await expect(main.train(model(), options({ checkpointDir: '/tmp/never-written' }))).rejects.toThrow(
      /^checkpointDir: checkpoints are files, and this build of @zoo\/trainer has no file system.*@zoo\/trainer\/node/,
    );
    await expect(main.train(model(), options({ resumeFrom: '/tmp/never-read' }))).rejects.toThrow(/^resumeFrom: checkpoints are files/);
  });

  test('fingerprints hash with Web Crypto: same architecture, same hash; another shape, another hash', async () => {
    const a = await main.architectureFingerprint(model());
    const b = await main.architectureFingerprint(model());
    expect(a.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(b.hash).toBe(a.hash);
    const other = await main.architectureFingerprint(model({ hidden: 7 }));
    expect(other.hash).not.toBe(a.hash);
  });
});
