import {
  COMPARISON_HEADER,
  COMPARISON_NOTE,
  HISTORY_HEADER,
  historyRows,
  perClassTable,
  reportTitle,
  comparisonRows,
  describeRun,
  sweepHeader,
  sweepLabel,
  sweepTableRows,
  type Report,
  capitalize,
  savedModelLine,
  mapsCaption,
  VIEWS_NOTE,
} from './report';
import { SWEEP_SVG, sweepChartTitle } from './charts';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** report.md: the same facts as report.html, readable in a terminal or on GitHub. */
export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  const title = reportTitle(report);
  out.push(`# ${title}`, '');
  out.push(`- created: ${report.createdAt}`);
  out.push(`- command: \`${report.command}\``);
  out.push(`- ${report.backend.description}`);
  out.push(`- preset: ${report.preset} (${report.presetReason})`);
  out.push(
    `- data: Fashion-MNIST from ${report.config.dataDir} (${report.config.trainExamples} train, ${report.config.testExamples} test); ` +
      `${report.config.jobs} model${report.config.jobs === 1 ? '' : 's'} trained at once`,
  );
  out.push('');
  if (report.sweep) {
    out.push(`## ${capitalize(sweepLabel(report.sweep.flag))} sweep`, '');
    out.push(markdownTable(sweepHeader(report.sweep.flag), sweepTableRows(report.sweep.rows)), '');
    out.push(`![${sweepChartTitle(report.sweep.flag)}](${SWEEP_SVG})`, '');
  }

  out.push('## Comparison', '');
  out.push(markdownTable(COMPARISON_HEADER, comparisonRows(report)), '');
  out.push(COMPARISON_NOTE, '');

  out.push('## Runs', '');
  for (const m of report.models) {
    out.push(`### ${m.name}`, '');
    out.push(`${describeRun(m.spec)}.`, '');
    if (m.error) out.push(`${m.status === 'failed' ? 'Failed' : 'Note'}: ${m.error}`, '');
    if (m.history.length > 0) out.push(markdownTable(HISTORY_HEADER, historyRows(m)), '');
    if (m.savedModel) out.push(savedModelLine(m.savedModel, (path) => `[${path}](${path}/model.json)`), '');
  }

  const perClass = perClassTable(report);
  if (perClass) {
    out.push('## Test accuracy per class', '');
    out.push(markdownTable(perClass.header, perClass.rows), '');
    out.push('Confusion matrices are drawn in report.html; their counts are in report.json (`models[].evaluation.confusion`, rows are true classes).', '');
  }
  out.push(...viewsMarkdown(report));
  return out.join('\n');
}

/** The filters and feature maps, as images linked from the run folder's views/. */
function viewsMarkdown(report: Report): string[] {
  const views = report.views;
  if (!views) return [];
  const out = ['## Inside the networks', '', VIEWS_NOTE, ''];
  for (const m of report.models) {
    const v = views.models[m.name];
    const error = views.errors?.[m.name];
    if (!v && !error) continue;
    out.push(`### ${m.name}`, '');
    if (error) {
      out.push(`No pictures: ${error}`, '');
      continue;
    }
    const [kh, kw, cin] = v.filters.kernel;
    out.push(`${v.filters.layer}: ${v.filters.count} filters of ${kh}x${kw}x${cin}`, '', `![${m.name} ${v.filters.layer} filters](${v.filters.path})`, '');
    const layers = v.maps[0] ?? [];
    const header = ['class', 'test image', ...layers.map(mapsCaption)];
    const rows = views.samples.map((s, i) => [
      `${s.className} (#${s.testIndex})`,
      `![${s.className}](${s.input.path})`,
      ...(v.maps[i] ?? []).map((f) => `![${mapsCaption(f)}](${f.path})`),
    ]);
    out.push(markdownTable(header, rows), '');
  }
  return out;
}
