/**
 * Bad input from the person at the keyboard: printed as one line, exit code 2, nothing written.
 * Anything else that goes wrong is a bug or an environment failure and keeps its stack.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `--flag: got 'value'; expected …`, the one shape every input error takes. */
export function badValue(input: string, value: unknown, expected: string): UsageError {
  return new UsageError(`${input}: got ${JSON.stringify(value)}; expected ${expected}`);
}
