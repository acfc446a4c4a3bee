/**
 * Human-scale numbers for tables and progress lines: the one formatting of counts and sizes, shared
 * by `formatDescription` and the apps' tables, so a parameter count or a weight size reads the same
 * everywhere.
 */

/**
 * A count with a decimal prefix, as parameters and FLOPs are quoted: exact with thousands
 * separators below 10,000 (`9,999`), then `12.3k`, `46.76M`, `1.23G`; `-` for a value that is not a
 * finite number (nothing measured).
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '-';
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toLocaleString('en-US');
}

/** A size in binary units, as memory is sized: `512 B`, `1.5 KiB`, `164.1 MiB`, `1.25 GiB`; `-` for a negative or non-finite value. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '-';
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}
