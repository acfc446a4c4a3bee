/** The TF.js-style callbacks of a run: checked once, then called in order, each awaited. */
import type { TrainCallbacks } from './types';

const CALLBACK_NAMES = [
  'onTrainBegin',
  'onTrainEnd',
  'onEpochBegin',
  'onEpochEnd',
  'onBatchBegin',
  'onBatchEnd',
] as const;

/** The `callbacks` option as a list, every entry checked. */
export function callbackList(callbacks: TrainCallbacks | readonly TrainCallbacks[] | undefined): readonly TrainCallbacks[] {
  const list = callbacks === undefined ? [] : Array.isArray(callbacks) ? callbacks : [callbacks as TrainCallbacks];
  list.forEach((cb, i) => {
    if (typeof cb !== 'object' || cb === null)
      throw new TypeError(`callbacks[${i}] must be an object, got ${String(cb)}`);
    for (const name of CALLBACK_NAMES) {
      if (cb[name] !== undefined && typeof cb[name] !== 'function') {
        throw new TypeError(`callbacks[${i}].${name} must be a function, got ${typeof cb[name]}`);
      }
    }
  });
  return list;
}

/** Calls `name` on every callback object that has it, in order, awaiting each. */
export async function emit<K extends (typeof CALLBACK_NAMES)[number]>(
  callbacks: readonly TrainCallbacks[],
  name: K,
  ...args: Parameters<NonNullable<TrainCallbacks[K]>>
): Promise<void> {
  for (const cb of callbacks) {
    const fn = cb[name] as ((...a: typeof args) => void | Promise<void>) | undefined;
    if (fn !== undefined) await fn.apply(cb, args);
  }
}
