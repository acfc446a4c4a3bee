import { roofline, type LayerDescription, type ModelDescription } from '../src';

function layer(name: string, flops: number, weightBytes: number, inputBytes: number, activationBytes: number): LayerDescription {
  return { name, className: 'Test', inputShape: [1], outputShape: [1], params: weightBytes / 4, macs: flops / 2, flops, weightBytes, inputBytes, activationBytes };
}

const description: ModelDescription = {
  name: 'test',
  inputShape: [1, 1],
  layers: [layer('heavy', 1e9, 1e6, 1e6, 1e6), layer('light', 1e6, 4e6, 0, 0), layer('reshape', 0, 0, 4e3, 4e3)],
  totals: { params: 0, macs: 0, flops: 0, weightBytes: 0, activationBytes: 0 },
};
const device = { peakFlops: 1e11, memoryBandwidth: 1e10 };

describe('roofline', () => {
  it('puts the ridge at peak FLOP/s over bandwidth and sorts layers by it', () => {
    const r = roofline(description, device);
    expect(r.ridgePoint).toBe(10);
    const [heavy, light, reshape] = r.layers;
    expect(heavy.arithmeticIntensity).toBeCloseTo(1e9 / 3e6);
    expect(heavy.bound).toBe('compute');
    expect(heavy.attainableFlops).toBe(1e11);
    expect(heavy.seconds).toBeCloseTo(1e9 / 1e11);
    expect(light.arithmeticIntensity).toBeCloseTo(0.25);
    expect(light.bound).toBe('memory');
    expect(light.attainableFlops).toBeCloseTo(0.25 * 1e10);
    expect(light.seconds).toBeCloseTo(4e6 / 1e10);
    expect(reshape.bound).toBe('none');
    expect(r.totals.flops).toBe(1e9 + 1e6);
    expect(r.totals.seconds).toBeCloseTo(heavy.seconds + light.seconds);
    expect(r.totals.computeBoundFlopShare).toBeCloseTo(1e9 / (1e9 + 1e6));
    expect(r.totals.memoryBoundTimeShare).toBeCloseTo(light.seconds / r.totals.seconds);
  });

  it('moves a layer across the ridge when the device changes', () => {
    const slowCompute = roofline(description, { peakFlops: 1e9, memoryBandwidth: 1e10 });
    expect(slowCompute.ridgePoint).toBe(0.1);
    expect(slowCompute.layers[1].bound).toBe('compute');
  });

  it.each(['peakFlops', 'memoryBandwidth'] as const)('rejects a non-positive %s, echoing it', (key) => {
    expect(() => roofline(description, { ...device, [key]: 0 })).toThrow(new RegExp(`${key} must be a positive number; received 0`));
  });
});
