import { EtaEstimator, LogProgress, type RunProgress } from '../src/progress';

function at(times: number[]): () => number {
  let i = 0;
  return () => times[Math.min(i++, times.length - 1)];
}

describe('EtaEstimator', () => {
  it('extrapolates the batch rate seen so far to the batches left', () => {
    const eta = new EtaEstimator(at([0, 10_000]));
    eta.observe(10);
    eta.observe(20);
    // 10 batches in 10 s, 80 left
    expect(eta.secondsLeft(100)).toBeCloseTo(80);
  });

  it('does not guess before it has seen progress', () => {
    const eta = new EtaEstimator(at([0]));
    expect(Number.isNaN(eta.secondsLeft(100))).toBe(true);
    eta.observe(5);
    expect(Number.isNaN(eta.secondsLeft(100))).toBe(true);
  });
});

describe('LogProgress', () => {
  const progress = (batch: number): RunProgress => ({ id: 'lenet5', epoch: 1, epochs: 2, batch, batchesPerEpoch: 100, loss: 1.5, acc: 0.4, examplesPerSec: 2000 });

  it('writes a line per run at most once per interval, and every epoch end', () => {
    const lines: string[] = [];
    const clock = { t: 0 };
    const view = new LogProgress((l) => lines.push(l), 10_000, () => clock.t);
    view.add('lenet5');
    view.add('alexnet-mini');
    for (let b = 1; b <= 30; b++) {
      clock.t = b * 1000;
      view.update(progress(b));
    }
    const batchLines = lines.filter((l) => l.includes('batch'));
    expect(batchLines).toHaveLength(3);
    expect(batchLines[0]).toMatch(/^\[lenet5 {6}\] epoch 1\/2 batch 1\/100 loss 1\.500 acc 0\.400 2,000 ex\/s ETA/);
    view.epochDone('lenet5', { epoch: 1, lr: 0.1, loss: 1, trainAcc: 0.5, testAcc: 0.6, examplesPerSec: 2100, seconds: 50 }, 2);
    expect(lines[lines.length - 1]).toContain('epoch 1/2 done: loss 1.000 train acc 0.500 test acc 0.600');
  });
});
