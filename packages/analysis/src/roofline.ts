import type { ModelDescription } from './describe-model';

/** A device's two roofs. */
export interface DeviceRoofs {
  /** Peak arithmetic throughput, FLOP/s. Required. */
  peakFlops: number;
  /** Peak memory bandwidth, bytes/s. Required. */
  memoryBandwidth: number;
}

/** One layer placed on the roofline. */
export interface RooflineLayer {
  name: string;
  className: string;
  flops: number;
  /** Minimum traffic: weights and input read once, output written once (nothing stays in cache). */
  bytes: number;
  /** FLOPs per byte. */
  arithmeticIntensity: number;
  /** `none` for layers that do no arithmetic (flatten, padding, dropout at inference). */
  bound: 'compute' | 'memory' | 'none';
  /** `min(peakFlops, arithmeticIntensity * memoryBandwidth)`, FLOP/s. */
  attainableFlops: number;
  /** Lower bound on the layer's time on this device: `flops / attainableFlops`. */
  seconds: number;
}

/** What {@link roofline} returns. */
export interface Roofline {
  /** Arithmetic intensity (FLOP/byte) above which a layer is compute-bound: `peakFlops / memoryBandwidth`. */
  ridgePoint: number;
  layers: RooflineLayer[];
  totals: {
    flops: number;
    bytes: number;
    seconds: number;
    /** Share of all FLOPs in compute-bound layers. */
    computeBoundFlopShare: number;
    /** Share of the time lower bound spent in memory-bound layers. */
    memoryBoundTimeShare: number;
  };
}

/**
 * The roofline model of a described network on a device: each layer's arithmetic intensity, whether
 * it is limited by compute or by memory bandwidth, and the best time it could take.
 */
export function roofline(description: ModelDescription, device: DeviceRoofs): Roofline {
  for (const key of ['peakFlops', 'memoryBandwidth'] as const) {
    const value = device[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`roofline: ${key} must be a positive number; received ${String(value)}`);
    }
  }
  const ridgePoint = device.peakFlops / device.memoryBandwidth;
  const layers = description.layers.map((layer): RooflineLayer => {
    const bytes = layer.weightBytes + layer.inputBytes + layer.activationBytes;
    if (layer.flops === 0) {
      return { name: layer.name, className: layer.className, flops: 0, bytes, arithmeticIntensity: 0, bound: 'none', attainableFlops: 0, seconds: 0 };
    }
    const arithmeticIntensity = layer.flops / bytes;
    const attainableFlops = Math.min(device.peakFlops, arithmeticIntensity * device.memoryBandwidth);
    return {
      name: layer.name,
      className: layer.className,
      flops: layer.flops,
      bytes,
      arithmeticIntensity,
      bound: arithmeticIntensity >= ridgePoint ? 'compute' : 'memory',
      attainableFlops,
      seconds: layer.flops / attainableFlops,
    };
  });
  const counted = layers.filter((l) => l.bound !== 'none');
  const flops = counted.reduce((s, l) => s + l.flops, 0);
  const seconds = counted.reduce((s, l) => s + l.seconds, 0);
  const computeFlops = counted.filter((l) => l.bound === 'compute').reduce((s, l) => s + l.flops, 0);
  const memorySeconds = counted.filter((l) => l.bound === 'memory').reduce((s, l) => s + l.seconds, 0);
  return {
    ridgePoint,
    layers,
    totals: {
      flops,
      bytes: counted.reduce((s, l) => s + l.bytes, 0),
      seconds,
      computeBoundFlopShare: flops === 0 ? 0 : computeFlops / flops,
      memoryBoundTimeShare: seconds === 0 ? 0 : memorySeconds / seconds,
    },
  };
}
