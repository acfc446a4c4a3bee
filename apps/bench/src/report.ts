import type { ProfileReport } from './protocol';
import { formatTable } from './table';
import type { FullReport } from './run';

/** The kernels that take most of a step, as lines; the rest summed into one. */
export function formatProfile(profile: ProfileReport, top = 8): string {
  const head = `${profile.backend} ${profile.model} train step, batch ${profile.batch} @${profile.inputSize}px: ` +
    `${profile.wallMs.toFixed(0)} ms wall (profiled), ${profile.kernelMs.toFixed(0)} ms of kernel CPU time`;
  const shown = profile.kernels.slice(0, top);
  const rest = profile.kernels.slice(top);
  const lines = shown.map((k) => `  ${k.kernel.padEnd(24)} ${k.ms.toFixed(1).padStart(9)} ms ${(k.share * 100).toFixed(1).padStart(5)}%  ${k.calls} calls`);
  if (rest.length > 0) {
    const ms = rest.reduce((a, k) => a + k.ms, 0);
    const share = rest.reduce((a, k) => a + k.share, 0);
    lines.push(`  ${`(${rest.length} others)`.padEnd(24)} ${ms.toFixed(1).padStart(9)} ms ${(share * 100).toFixed(1).padStart(5)}%`);
  }
  return [head, ...lines].join('\n');
}

/** What a run prints at the end: backends, the table, notes, failures, profiles. */
export function formatReport(report: FullReport): string {
  const out: string[] = [];
  out.push(`machine: ${report.machine.cpus} x ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB, node ${report.machine.node}`);
  for (const b of report.backends) {
    if (!b.available) out.push(`backend ${b.requested}: unavailable — ${b.description}`);
    else out.push([b.description, ...(b.glibcTunables ? [`GLIBC_TUNABLES=${b.glibcTunables}`] : []), ...(b.nodeFlags ? [`node ${b.nodeFlags}`] : [])].join('; '));
  }
  out.push(`pytorch: ${report.pytorch.available ? `${report.pytorch.description} (threads ${report.pytorch.threads.join(', ') || 'none'})` : `skipped — ${report.pytorch.description}`}`);
  out.push('');
  out.push(report.table.length > 0 ? formatTable(report.table) : '(no zoo measurements)');
  for (const note of report.notes) out.push(`note: ${note}`);
  for (const f of report.failures) out.push(`failed: ${f.framework}/${f.backend} ${f.model} ${f.mode}: ${f.error}`);
  for (const p of report.profiles) out.push('', formatProfile(p));
  return out.join('\n');
}
