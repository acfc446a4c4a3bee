import { formatBytes, formatCount } from '../src';

describe('formatCount', () => {
  it('is exact with separators below 10,000, then k, M, G', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(9999)).toBe('9,999');
    expect(formatCount(61_706)).toBe('61.7k');
    expect(formatCount(46_764_746)).toBe('46.76M');
    expect(formatCount(1.5e9)).toBe('1.50G');
    expect(formatCount(-20_000)).toBe('-20.0k');
  });

  it('writes - for nothing measured', () => {
    expect(formatCount(NaN)).toBe('-');
    expect(formatCount(Infinity)).toBe('-');
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(164.1 * 2 ** 20)).toBe('164.1 MiB');
    expect(formatBytes(1.25 * 2 ** 30)).toBe('1.25 GiB');
  });

  it('writes - for a negative or non-finite size', () => {
    expect(formatBytes(-1)).toBe('-');
    expect(formatBytes(NaN)).toBe('-');
  });
});
