/**
 * The memory replicas share and how they meet in it. Every replica writes its flat gradient into
 * its slot, waits at the one barrier of the step, then sums all the slots (each weighted by its
 * slice of the batch) into a mean of its own and applies it: one meeting per step, so a replica
 * that is late (a GC pause, a preempted core) holds the others up once, not twice. The slots come
 * in two banks, used by alternate steps: a replica may start writing step k + 1 while a slower one
 * still reads step k, and it reaches step k + 2's writes only after the slower one has met it at
 * step k + 1's barrier, so after that one finished reading.
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
  /** Two banks of `replicas` slots of `params` float32 gradients. */
  slots: SharedArrayBuffer;
  /** Two banks, per replica: its slice's mean loss and correct count (float64). */
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
    slots: new SharedArrayBuffer(2 * params * replicas * Float32Array.BYTES_PER_ELEMENT),
    results: new SharedArrayBuffer(2 * 2 * replicas * Float64Array.BYTES_PER_ELEMENT),
    params,
    replicas,
  };
}

/** Replica `rank`'s slot in `bank` (0 or 1). */
export function slotOf(shared: SharedStep, bank: number, rank: number): Float32Array {
  return new Float32Array(shared.slots, (bank * shared.replicas + rank) * shared.params * 4, shared.params);
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

/** `into` becomes the sum of `bank`'s slots, slot r weighted by `weights[r]`. */
export function weightedMean(shared: SharedStep, bank: number, weights: readonly number[], into: Float32Array): void {
  const first = slotOf(shared, bank, 0);
  const w0 = weights[0];
  for (let i = 0; i < shared.params; i++) into[i] = w0 * first[i];
  for (let r = 1; r < shared.replicas; r++) {
    const w = weights[r];
    if (w === 0) continue;
    const slot = slotOf(shared, bank, r);
    for (let i = 0; i < shared.params; i++) into[i] += w * slot[i];
  }
}
