import { imagesPerSecond, median, summarize, wantAnotherStep } from '../src/stats';

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
