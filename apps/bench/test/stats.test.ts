import { imagesPerSecond, median, summarize, wantAnotherStep, wantAnotherWarmupStep } from '../src/stats';

describe('median', () => {
  it('takes the middle of an odd count and the mean of the middle two of an even one', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('ignores one-sided outliers, which is why tables report it', () => {
    expect(median([10, 11, 10, 500, 10])).toBe(10);
  });

  it('does not reorder its input', () => {
    const times = [3, 1, 2];
    median(times);
    expect(times).toEqual([3, 1, 2]);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(/at least one value/);
  });
});

describe('summarize and imagesPerSecond', () => {
  it('reports median, min and max', () => {
    expect(summarize([30, 10, 20])).toEqual({ timesMs: [30, 10, 20], medianMs: 20, minMs: 10, maxMs: 30 });
  });

  it('turns a step time into images per second', () => {
    expect(imagesPerSecond(128, 64)).toBe(2000);
    expect(() => imagesPerSecond(128, 0)).toThrow(/positive/);
  });
});

describe('wantAnotherStep', () => {
  const policy = { budgetMs: 100, minSteps: 3, maxSteps: 5 };

  it('runs at least minSteps even past the budget', () => {
    expect(wantAnotherStep([500, 500], policy)).toBe(true);
    expect(wantAnotherStep([500, 500, 500], policy)).toBe(false);
  });

  it('keeps going while under the budget, up to maxSteps', () => {
    expect(wantAnotherStep([10, 10, 10], policy)).toBe(true);
    expect(wantAnotherStep([10, 10, 10, 10, 10], policy)).toBe(false);
  });
});

describe('wantAnotherWarmupStep', () => {
  test('runs the warm-up steps, then goes on until the warm-up time has passed', () => {
    const policy = { warmup: 2, warmupMs: 1000 };
    expect(wantAnotherWarmupStep(0, 0, policy)).toBe(true);
    expect(wantAnotherWarmupStep(1, 5000, policy)).toBe(true);
    expect(wantAnotherWarmupStep(2, 400, policy)).toBe(true);
    expect(wantAnotherWarmupStep(2, 1000, policy)).toBe(false);
    expect(wantAnotherWarmupStep(40, 999, policy)).toBe(true);
  });

  test('with no warm-up time, exactly the warm-up steps', () => {
    const policy = { warmup: 3, warmupMs: 0 };
    expect(wantAnotherWarmupStep(2, 0, policy)).toBe(true);
    expect(wantAnotherWarmupStep(3, 0, policy)).toBe(false);
  });
});
