import type { CheckpointInfo } from '@zoo/trainer/node';
import { explainFailure } from '../src/failure';
import type { RunSpec } from '../src/presets';
import { resumeConflict } from '../src/resume-check';

const spec: RunSpec = { id: 'lenet5', model: 'lenet5', inputSize: 28, batchSize: 64, epochs: 4, optimizer: { name: 'sgd', lr: 0.9 }, seed: 42, limitTrain: 6400 };

/** A checkpoint of `spec` after `batch` batches of epoch `epoch` (0-based, as the trainer counts). */
function checkpoint(epoch: number, batch: number, overrides: { model?: string; seed?: number; optimizer?: string } = {}): CheckpointInfo {
  const partial = batch === 0 ? null : { batches: batch, examples: batch * 64, lossSum: 1, correct: 1, trainSeconds: 1, lr: 0.9, epochBatches: 100 };
  return {
    path: '/runs/x/checkpoints/lenet5/ckpt',
    createdAt: '',
    position: { epoch, batch, step: epoch * 100 + batch },
    partialEpoch: partial,
    history: [],
    config: { seed: overrides.seed ?? 42, model: { name: overrides.model ?? 'lenet5' }, optimizer: { name: overrides.optimizer ?? 'sgd' } } as unknown as CheckpointInfo['config'],
  };
}

describe('resumeConflict: what a resume cannot change, in the words of the flag', () => {
  it('accepts the same run, and at an epoch boundary another batch size or subset', () => {
    expect(resumeConflict(spec, checkpoint(2, 30), 60000)).toBeNull();
    expect(resumeConflict({ ...spec, batchSize: 32, limitTrain: 1000 }, checkpoint(2, 0), 60000)).toBeNull();
  });

  it('blames a swapped checkpoint on the model, before the seed', () => {
    expect(resumeConflict(spec, checkpoint(1, 0, { model: 'alexnet-mini', seed: 7 }), 60000)).toMatch(/^--models: .* was written for model "alexnet-mini", not lenet5/);
  });

  it('refuses another --resize, which would change the architecture', () => {
    expect(resumeConflict({ ...spec, inputSize: 32 }, checkpoint(1, 0), 60000, [null, 28, 28, 1])).toMatch(/^--resize: got 32, but .* trained on 28 px images; expected 28/);
    expect(resumeConflict(spec, checkpoint(1, 0), 60000, [null, 28, 28, 1])).toBeNull();
  });

  it('refuses another seed or optimizer, and fewer epochs than are done', () => {
    expect(resumeConflict(spec, checkpoint(1, 0, { seed: 7 }), 60000)).toMatch(/^--seed: got 42, but .* seed 7; expected 7/);
    expect(resumeConflict(spec, checkpoint(1, 0, { optimizer: 'adam' }), 60000)).toMatch(/^--optimizer: got sgd, .* state of adam/);
    expect(resumeConflict({ ...spec, epochs: 2 }, checkpoint(3, 0), 60000)).toMatch(/^--epochs: got 2, but .* has 3 epochs done; expected at least 3/);
    expect(resumeConflict({ ...spec, epochs: 3 }, checkpoint(3, 5), 60000)).toMatch(/^--epochs: got 3, .* 3 epochs done and part of epoch 4; expected at least 4/);
  });

  it('mid-epoch, refuses another batch size or another amount of training data', () => {
    expect(resumeConflict({ ...spec, batchSize: 32 }, checkpoint(2, 30), 60000)).toMatch(/^--batch-size: got 32, .* middle of epoch 3 \(after 30 batches of 64\); expected 64/);
    expect(resumeConflict({ ...spec, limitTrain: 3200 }, checkpoint(2, 30), 60000)).toMatch(/^--limit-train: got 3200 \(50 batches an epoch\), .* an epoch of 100 batches/);
  });
});

describe('explainFailure', () => {
  it("turns wasm's out-of-bounds into an out-of-memory hint with the batch size", () => {
    const message = explainFailure(new RangeError('memory access out of bounds'), { ...spec, batchSize: 256, inputSize: 224 }, 'wasm');
    expect(message).toBe(
      "RangeError: memory access out of bounds — out of memory: a batch of 256 images at 224x224 px does not fit in the wasm backend's memory (4 GiB at most); try a smaller --batch-size (e.g. 64) or a smaller --resize",
    );
  });

  it('leaves other errors as they are', () => {
    expect(explainFailure(new TypeError('x is not a function'), spec, 'wasm')).toBe('TypeError: x is not a function');
  });
});
