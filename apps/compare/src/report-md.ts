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
} from './report';

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
  return out.join('\n');
}
