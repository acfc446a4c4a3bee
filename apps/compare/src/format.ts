/** Human-scale numbers for tables and progress lines: counts and sizes as the library formats them, and the app's own. */

export { formatBytes, formatCount } from '@zoo/analysis';

/** Decimal units, as FLOP/s and bandwidth are quoted. */
export function formatFlops(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GFLOP`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MFLOP`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kFLOP`;
  return `${n} FLOP`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(rest).padStart(2, '0')}s`;
}

export function formatRate(examplesPerSec: number): string {
  if (!Number.isFinite(examplesPerSec) || examplesPerSec <= 0) return '-';
  return examplesPerSec >= 100 ? Math.round(examplesPerSec).toLocaleString('en-US') : examplesPerSec.toFixed(1);
}

export function formatAccuracy(acc: number | null | undefined): string {
  return acc === undefined || acc === null || !Number.isFinite(acc) ? '-' : acc.toFixed(3);
}

export function formatLoss(loss: number | undefined): string {
  return loss === undefined || !Number.isFinite(loss) ? '-' : loss.toFixed(3);
}
