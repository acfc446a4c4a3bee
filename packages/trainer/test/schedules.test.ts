import { cosineDecay, describeLr, piecewiseConstant, recipeLearningRate } from '../src';

describe('learning-rate schedules', () => {
  test('piecewiseConstant switches at the boundaries', () => {
    const lr = piecewiseConstant({ boundaries: [10, 20], values: [0.1, 0.01, 0.001] });
    expect([0, 9, 10, 19, 20, 1000].map(lr)).toEqual([0.1, 0.1, 0.01, 0.01, 0.001, 0.001]);
    expect(describeLr(lr)).toEqual({ type: 'piecewise-constant', boundaries: [10, 20], values: [0.1, 0.01, 0.001] });
    expect(() => piecewiseConstant({ boundaries: [10, 5], values: [1, 2, 3] })).toThrow(/increasing integers/);
    expect(() => piecewiseConstant({ boundaries: [10], values: [1] })).toThrow(
      /values.length === boundaries.length \+ 1/,
    );
  });

  test('cosineDecay warms up linearly, decays to alpha·initial, then stays', () => {
    const lr = cosineDecay({ initial: 1, decaySteps: 110, warmupSteps: 10, alpha: 0.1 });
    expect(lr(0)).toBeCloseTo(0.1, 12);
    expect(lr(9)).toBeCloseTo(1, 12);
    expect(lr(10)).toBeCloseTo(1, 12);
    expect(lr(60)).toBeCloseTo(0.55, 12);
    expect(lr(110)).toBeCloseTo(0.1, 12);
    expect(lr(500)).toBeCloseTo(0.1, 12);
    for (let s = 10; s < 110; s++) expect(lr(s + 1)).toBeLessThanOrEqual(lr(s));
    expect(() => cosineDecay({ initial: 1, decaySteps: 10, warmupSteps: 10 })).toThrow(
      /warmupSteps must be an integer in \[0, decaySteps\)/,
    );
  });

  test('numbers and plain functions are described too', () => {
    expect(describeLr(0.01)).toBe(0.01);
    const d = describeLr((step) => 0.1 * 0.5 ** step);
    expect(d).toMatchObject({ type: 'custom' });
    expect(JSON.stringify(d)).toContain('0.5 ** step');
  });
});

describe("a registry recipe's learning rate", () => {
  it('is a constant without a schedule, a tenfold drop after each drop epoch, or a cosine over the whole run', () => {
    expect(recipeLearningRate({ learningRate: 0.9 }, 100, 10)).toBe(0.9);
    const step = recipeLearningRate({ learningRate: 1e-3, lrDropEpochs: [5, 3, 3] }, 10, 8) as (s: number) => number;
    expect([0, 29, 30, 49, 50, 79].map(step)).toEqual([1e-3, 1e-3, 1e-4, 1e-4, 1e-5, 1e-5]);
    const cosine = recipeLearningRate({ learningRate: 2e-3, lrSchedule: 'cosine', lrDropEpochs: [1] }, 10, 4) as (s: number) => number;
    expect(describeLr(cosine)).toEqual({ type: 'cosine-decay', initial: 2e-3, decaySteps: 40, alpha: 0, warmupSteps: 0 });
    expect(cosine(20)).toBeCloseTo(1e-3, 12);
    expect(cosine(40)).toBe(0);
  });
});
