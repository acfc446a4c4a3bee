import { nominalRoofs, type HostCpu } from '../src/device-roofs';
import { chwShape } from '../src/summary';

const XEON: HostCpu = { model: 'Test Xeon', cores: 2, mhz: 2000, flags: new Set(['fma', 'avx2', 'avx512f']) };
const OLD: HostCpu = { model: 'Test Core', cores: 4, mhz: 3000, flags: new Set(['fma', 'avx2']) };

describe('nominalRoofs', () => {
  it('computes a CPU peak from cores, clock and the widest FMA, and says how', () => {
    const roofs = nominalRoofs({ name: 'tensorflow', device: 'cpu', threads: 2 }, {}, { cpu: XEON });
    expect(roofs.peakGflops).toBeCloseTo(2 * 2.0 * 64);
    expect(roofs.peakSource).toContain('AVX-512');
    expect(nominalRoofs({ name: 'tensorflow', device: 'cpu', threads: 4 }, {}, { cpu: OLD }).peakGflops).toBeCloseTo(4 * 3.0 * 32);
    expect(roofs.backendCeiling).toBeUndefined();
  });

  it('notes how much of the CPU the wasm backend can issue', () => {
    const roofs = nominalRoofs({ name: 'wasm', device: 'cpu', threads: 1 }, {}, { cpu: XEON });
    expect(roofs.backendCeiling?.gflops).toBeCloseTo(1 * 2.0 * 8);
    expect(roofs.backendCeiling?.why).toContain('SIMD128');
  });

  it('uses datasheet numbers for a known GPU and says when it has to assume', () => {
    const h200 = nominalRoofs({ name: 'tensorflow', device: 'gpu', threads: 16 }, {}, { gpuName: 'NVIDIA H200' });
    expect(h200.device).toBe('NVIDIA H200');
    expect(h200.bandwidthGbs).toBeGreaterThan(h200.peakGflops / 100);
    const unknown = nominalRoofs({ name: 'webgpu', device: 'gpu', threads: 1 }, {}, { gpuName: null });
    expect(unknown.peakSource).toMatch(/assumed/);
  });

  it('lets flags override either roof', () => {
    const roofs = nominalRoofs({ name: 'wasm', device: 'cpu', threads: 1 }, { peakGflops: 100, bandwidthGbs: 10 }, { cpu: XEON });
    expect([roofs.peakGflops, roofs.bandwidthGbs, roofs.peakSource, roofs.bandwidthSource]).toEqual([100, 10, '--peak-gflops', '--bandwidth-gbs']);
  });
});

describe('chwShape', () => {
  it("prints TF's NHWC shapes channels-first without the batch, as D2L does", () => {
    expect(chwShape([1, 54, 54, 96])).toBe('96x54x54');
    expect(chwShape([1, 4096])).toBe('4096');
  });
});
