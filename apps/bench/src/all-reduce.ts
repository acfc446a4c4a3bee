/**
 * The gradient exchange of data-parallel replicas: every replica writes its flat gradient into its
 * slot of one SharedArrayBuffer, then each averages a disjoint share of the parameters into slot 0,
 * so the reduction runs on all cores at once and nothing is copied between threads.
 */

/** Where one replica's flat gradient lives: slot `r` of `slots` (slot 0 ends up holding the average). */
export interface SharedGrads {
  buffer: SharedArrayBuffer;
  /** Parameters per slot. */
  params: number;
  replicas: number;
}

export function sharedGrads(params: number, replicas: number): SharedGrads {
  return { buffer: new SharedArrayBuffer(params * replicas * 4), params, replicas };
}

/** The half-open range of parameters replica `rank` averages. */
export function shareOf(params: number, replicas: number, rank: number): [number, number] {
  const per = Math.ceil(params / replicas);
  return [Math.min(params, rank * per), Math.min(params, (rank + 1) * per)];
}

/** Slot 0 over [start, end) becomes the mean of all slots there. */
export function averageInto(shared: SharedGrads, start: number, end: number): void {
  const all = new Float32Array(shared.buffer);
  const n = shared.replicas;
  const scale = 1 / n;
  for (let r = 1; r < n; r++) {
    const offset = r * shared.params;
    for (let i = start; i < end; i++) all[i] += all[offset + i];
  }
  for (let i = start; i < end; i++) all[i] *= scale;
}
