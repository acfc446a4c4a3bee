/**
 * Argument checks for model builders. Each error names the builder and the argument, echoes the value
 * received and says what would have been valid, because a user who passes `inputSize: 32` to AlexNet
 * needs to learn the minimum, not that a tensor dimension became negative three layers deep.
 */

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Throws unless `value` is an integer in `[min, max]`; returns it typed as a number. */
export function checkInteger(where: string, name: string, value: unknown, min: number, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new RangeError(`${where}: ${name} must be ${range}; received ${show(value)}`);
  }
  return value;
}

/** Throws unless `value` is a finite number in `[min, max)` (or `[min, max]` when `maxInclusive`). */
export function checkNumber(
  where: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
  maxInclusive = false,
): number {
  const inRange = typeof value === 'number' && Number.isFinite(value) && value >= min && (maxInclusive ? value <= max : value < max);
  if (!inRange) {
    throw new RangeError(`${where}: ${name} must be a number in [${min}, ${max}${maxInclusive ? ']' : ')'}; received ${show(value)}`);
  }
  return value as number;
}

/** Throws unless `value` is one of `valid`. */
export function checkOneOf<T extends string | number>(where: string, name: string, value: unknown, valid: readonly T[]): T {
  if (!valid.includes(value as T)) {
    throw new RangeError(`${where}: ${name} must be one of ${valid.map(show).join(', ')}; received ${show(value)}`);
  }
  return value as T;
}

/** Throws unless `value` is an array of exactly `length` integers, each `>= min`. */
export function checkIntegerList(where: string, name: string, value: unknown, length: number, min = 1): number[] {
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => Number.isInteger(v) && v >= min)) {
    throw new RangeError(`${where}: ${name} must be an array of ${length} integers >= ${min}; received ${show(value)}`);
  }
  return value as number[];
}

/** Throws if `config` has a key outside `known`, so a misspelt option is an error rather than ignored. */
export function checkKnownKeys(where: string, config: object, known: readonly string[]): void {
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) {
      throw new RangeError(`${where}: unknown config key '${key}'; valid keys: ${known.join(', ')}`);
    }
  }
}
