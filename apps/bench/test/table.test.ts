import { backendLabel, compare, formatRate, formatTable } from '../src/table';
import { result } from './fixtures';

describe('compare', () => {
  const results = [
    result({ backend: 'wasm', imagesPerSecond: 1000 }),
    result({ backend: 'cpu', imagesPerSecond: 20 }),
    result({ framework: 'pytorch', backend: 'pytorch', imagesPerSecond: 4000 }),
    result({ framework: 'pytorch', backend: 'pytorch', imagesPerSecond: 7000, threads: 2 }),
    result({ backend: 'wasm', model: 'alexnet', batch: 32, inputSize: 224, imagesPerSecond: 10 }),
  ];

  it('puts each zoo row beside PyTorch at the same thread count and beside the cpu backend', () => {
    const rows = compare(results);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ backend: 'wasm', pytorchImagesPerSecond: 4000, ratioToPytorch: 0.25, ratioToCpu: 50 });
    expect(rows[1].backend).toBe('cpu');
    expect(rows[1].ratioToCpu).toBeUndefined();
    expect(rows[1].ratioToPytorch).toBeCloseTo(0.005);
  });

  it("also puts each row beside PyTorch's best thread count", () => {
    const [wasm] = compare(results);
    expect(wasm).toMatchObject({ bestPytorchImagesPerSecond: 7000 });
    expect(wasm.ratioToBestPytorch).toBeCloseTo(1000 / 7000);
    expect(formatTable([wasm])).toContain('vs PyTorch best');
  });

  it('leaves ratios out where there is nothing to compare with', () => {
    const alexnet = compare(results)[2];
    expect(alexnet.pytorchImagesPerSecond).toBeUndefined();
    expect(alexnet.ratioToPytorch).toBeUndefined();
    expect(alexnet.ratioToCpu).toBeUndefined();
    expect(alexnet.ratioToBestPytorch).toBeUndefined();
  });
});

describe('row order and labels', () => {
  it('groups rows by model and mode, keeping run order inside a group', () => {
    const rows = compare([
      result({ backend: 'wasm', model: 'a', mode: 'train' }),
      result({ backend: 'wasm', model: 'a', mode: 'infer' }),
      result({ backend: 'wasm', model: 'b', mode: 'train' }),
      result({ backend: 'cpu', model: 'a', mode: 'train' }),
      result({ backend: 'cpu', model: 'a', mode: 'infer' }),
    ]);
    expect(rows.map((r) => `${r.model}/${r.mode}/${r.backend}`)).toEqual(['a/train/wasm', 'a/train/cpu', 'a/infer/wasm', 'a/infer/cpu', 'b/train/wasm']);
  });

  it('says how a row used its cores', () => {
    expect(backendLabel({ backend: 'wasm', threads: 1, replicas: 1 })).toBe('wasm');
    expect(backendLabel({ backend: 'wasm', threads: 2, replicas: 1 })).toBe('wasm (2 threads)');
    expect(backendLabel({ backend: 'wasm', threads: 2, replicas: 2 })).toBe('wasm (2 replicas)');
    expect(backendLabel({ backend: 'tensorflow', threads: 2, replicas: 1 })).toBe('tensorflow');
    expect(backendLabel({ backend: 'wasm + onnxruntime', threads: 2, replicas: 1 })).toBe('wasm + onnxruntime (2 threads)');
  });

  it('marks a ratio to an estimated cpu figure as an estimate', () => {
    const [wasm] = compare([result({ backend: 'wasm', imagesPerSecond: 1000 }), result({ backend: 'cpu', imagesPerSecond: 10, estimated: true })]);
    expect(wasm.cpuEstimated).toBe(true);
    expect(formatTable([wasm])).toContain('~100x');
  });
});

describe('formatTable', () => {
  it('prints a Markdown table with a header, a rule and one line per row, estimates marked', () => {
    const rows = compare([
      result({ backend: 'wasm', imagesPerSecond: 1000 }),
      result({ backend: 'cpu', imagesPerSecond: 20, estimated: true }),
      result({ framework: 'pytorch', backend: 'pytorch', imagesPerSecond: 4000 }),
    ]);
    const lines = formatTable(rows).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\| backend \| model +\| mode +\| batch \|/);
    expect(lines[1]).toMatch(/^\|-+\|/);
    expect(lines[2]).toMatch(/\| +0\.25x \|/);
    expect(lines[3]).toMatch(/\| +~0\.0050x \|/);
    expect(lines[2]).toContain('50x');
    expect(lines[3]).toContain('~20.0');
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it('formats rates to about three figures', () => {
    expect([formatRate(12345.6), formatRate(45.67), formatRate(4.567), formatRate(0.04567)]).toEqual(['12346', '45.7', '4.57', '0.046']);
  });
});
