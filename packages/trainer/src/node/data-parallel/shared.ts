/**
 * The memory replicas share and how they meet in it. Every replica writes its flat gradient into
 * its slot, waits at a barrier, sums its own share of the parameters over all slots (weighted by
 * its slice of the batch) into `mean`, waits again, and then applies the same `mean`: the reduction
 * runs on every core at once and nothing is copied between threads. `mean` is apart from the slots
 * so that a replica still reading it cannot see the next step's gradient.
 */

/** Indices into the control words. */
const COUNT = 0;
const GENERATION = 1;
const ABORTED = 2;

/** How long a barrier sleeps between looks at the abort flag, milliseconds (a notify wakes it sooner). */
const POLL_MS = 1_000;

/** The buffers of a group, created by replica 0 and sent to the others once. */
export interface SharedStep {
  /** Barrier count, generation and abort flag (Int32). */
  control: SharedArrayBuffer;
  /** `replicas` slots of `params` float32 gradients. */
  slots: SharedArrayBuffer;
  /** `params` float32: the weighted mean the update uses. */
  mean: SharedArrayBuffer;
  /** Per replica: its slice's mean loss and correct count (float64). */
  results: SharedArrayBuffer;
  params: number;
  replicas: number;
}

export function sharedControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
}

export function sharedStep(control: SharedArrayBuffer, params: number, replicas: number): SharedStep {
  return {
    control,
    slots: new SharedArrayBuffer(params * replicas * Float32Array.BYTES_PER_ELEMENT),
    mean: new SharedArrayBuffer(params * Float32Array.BYTES_PER_ELEMENT),
    results: new SharedArrayBuffer(2 * replicas * Float64Array.BYTES_PER_ELEMENT),
    params,
    replicas,
  };
}

/** Thrown by a barrier when some replica has failed: the step cannot complete. */
export class GroupAbortedError extends Error {
  constructor() {
    super('another replica of the data-parallel group failed');
    this.name = 'GroupAbortedError';
  }
}

/** Marks the group failed and wakes every replica waiting at a barrier. */
export function abortGroup(control: SharedArrayBuffer): void {
  const c = new Int32Array(control);
  Atomics.store(c, ABORTED, 1);
  Atomics.notify(c, GENERATION);
}

export function groupAborted(control: SharedArrayBuffer): boolean {
  return Atomics.load(new Int32Array(control), ABORTED) !== 0;
}

/** Arrives at the barrier; true when this replica was the last (the others are released). */
function arrive(c: Int32Array, replicas: number): { last: boolean; generation: number } {
  if (Atomics.load(c, ABORTED) !== 0) throw new GroupAbortedError();
  const generation = Atomics.load(c, GENERATION);
  if (Atomics.add(c, COUNT, 1) === replicas - 1) {
    Atomics.store(c, COUNT, 0);
    Atomics.add(c, GENERATION, 1);
    Atomics.notify(c, GENERATION);
    return { last: true, generation };
  }
  return { last: false, generation };
}

/** The barrier of a worker thread, which may block. */
export function barrier(control: SharedArrayBuffer, replicas: number): void {
  const c = new Int32Array(control);
  const { last, generation } = arrive(c, replicas);
  if (last) return;
  while (Atomics.load(c, GENERATION) === generation) {
    if (Atomics.load(c, ABORTED) !== 0) throw new GroupAbortedError();
    Atomics.wait(c, GENERATION, generation, POLL_MS);
  }
}

/** `Atomics.waitAsync` (Node 16+), which the ES2022 library TypeScript is given here does not declare. */
type WaitAsync = (typed: Int32Array, index: number, value: number, timeout: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** The barrier of replica 0, which must keep its event loop turning to hear of a worker that died. */
export async function barrierAsync(control: SharedArrayBuffer, replicas: number): Promise<void> {
  const c = new Int32Array(control);
  const { last, generation } = arrive(c, replicas);
  if (last) return;
  while (Atomics.load(c, GENERATION) === generation) {
    if (Atomics.load(c, ABORTED) !== 0) throw new GroupAbortedError();
    const wait = waitAsync(c, GENERATION, generation, POLL_MS);
    if (wait.async) await wait.value;
  }
}

/** The half-open range of parameters replica `rank` reduces. */
export function shareOf(params: number, replicas: number, rank: number): [number, number] {
  const per = Math.ceil(params / replicas);
  return [Math.min(params, rank * per), Math.min(params, (rank + 1) * per)];
}

/** `mean` over replica `rank`'s share becomes the sum of the slots there, slot r weighted by `weights[r]`. */
export function reduceShare(shared: SharedStep, rank: number, weights: readonly number[]): void {
  const [start, end] = shareOf(shared.params, shared.replicas, rank);
  const slots = new Float32Array(shared.slots);
  const mean = new Float32Array(shared.mean);
  const w0 = weights[0];
  for (let i = start; i < end; i++) mean[i] = w0 * slots[i];
  for (let r = 1; r < shared.replicas; r++) {
    const w = weights[r];
    if (w === 0) continue;
    const offset = r * shared.params;
    for (let i = start; i < end; i++) mean[i] += w * slots[offset + i];
  }
}
