import { accuracyChart, confusionChart, costChart, lossChart, renderSvg, sweepChart } from './charts';
import { COMPARISON_HEADER, COMPARISON_NOTE, comparisonRows, HISTORY_HEADER, historyRows, perClassTable, reportTitle, describeRun, sweepHeader, sweepLabel, sweepTableRows, type Report, capitalize, savedModelLine, mapsCaption, VIEWS_NOTE } from './report';
import type { ImageFile } from './views';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; } h3 { margin-bottom: .3rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; padding: .25rem .55rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f4f4f4; }
.meta { color: #555; } .meta li { margin: .1rem 0; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.charts svg { max-width: 100%; height: auto; }
.note { color: #666; font-size: .9rem; }
.views img { image-rendering: pixelated; vertical-align: top; }
.views td, .views th { text-align: left; vertical-align: top; }
figure { margin: .5rem 0 1rem; } figcaption { color: #555; font-size: .9rem; }
code { background: #f4f4f4; padding: 0 .2rem; }
`;

/** Tallest a picture is shown; small ones are scaled up by whole pixels, so each weight stays a block. */
const SHOW_HEIGHT = 160;

/** A picture from views/, linked to its file, shown at a height that makes small grids readable. */
function image(file: ImageFile, alt: string): string {
  const height = file.height >= SHOW_HEIGHT ? SHOW_HEIGHT : file.height * Math.floor(SHOW_HEIGHT / file.height);
  const src = escapeHtml(file.path);
  return `<a href="${src}"><img src="${src}" alt="${escapeHtml(alt)}" height="${height}"></a>`;
}

/** Filters and feature maps, per model: the pictures are PNG files in the run folder's views/. */
function viewsHtml(report: Report): string[] {
  const views = report.views;
  if (!views) return [];
  const parts = ['<h2>Inside the networks</h2>', `<p class="note">${escapeHtml(VIEWS_NOTE)}</p>`];
  for (const m of report.models) {
    const v = views.models[m.name];
    const error = views.errors?.[m.name];
    if (!v && !error) continue;
    parts.push(`<h3>${escapeHtml(m.name)}</h3>`);
    if (error) {
      parts.push(`<p>No pictures: ${escapeHtml(error)}</p>`);
      continue;
    }
    const [kh, kw, cin] = v.filters.kernel;
    const caption = `${v.filters.layer}: ${v.filters.count} filters of ${kh}x${kw}x${cin}`;
    parts.push(`<figure class="views">${image(v.filters, `${m.name} ${caption}`)}<figcaption>${escapeHtml(caption)}</figcaption></figure>`);
    const layers = v.maps[0] ?? [];
    const head = ['class', 'test image', ...layers.map(mapsCaption)].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
    const rows = views.samples.map((s, i) => {
      const cells = [`${escapeHtml(s.className)} (#${s.testIndex})`, image(s.input, s.className), ...(v.maps[i] ?? []).map((f) => image(f, `${m.name} ${mapsCaption(f)}, ${s.className}`))];
      return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
    });
    parts.push(`<table class="views">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`);
  }
  return parts;
}

/**
 * report.html: charts are inline SVG rendered here by vega, no scripts, so it opens offline; the
 * filter and feature-map pictures are the PNGs in views/ beside it (see views.ts for why), so the run
 * folder is what to mail or archive.
 */
export async function renderHtml(report: Report): Promise<string> {
  const svg = async (spec: Parameters<typeof renderSvg>[0] | undefined) => (spec ? await renderSvg(spec) : '');
  const parts: string[] = [];
  const title = reportTitle(report);
  parts.push(`<h1>${escapeHtml(title)}</h1>`);
  parts.push(
    '<ul class="meta">' +
      [
        `created ${report.createdAt}`,
        `command <code>${escapeHtml(report.command)}</code>`,
        escapeHtml(report.backend.description),
        `preset ${escapeHtml(report.preset)} (${escapeHtml(report.presetReason)})`,
        `Fashion-MNIST from ${escapeHtml(report.config.dataDir)}: ${report.config.trainExamples} train, ${report.config.testExamples} test images; ${report.config.jobs} trained at once`,
      ]
        .map((li) => `<li>${li}</li>`)
        .join('') +
      '</ul>',
  );
  // A sweep's question is answered by its own table and chart, so they come first.
  if (report.sweep) {
    parts.push(`<h2>${escapeHtml(capitalize(sweepLabel(report.sweep.flag)))} sweep</h2>`);
    parts.push(table(sweepHeader(report.sweep.flag), sweepTableRows(report.sweep.rows)));
    parts.push(`<div class="charts">${await svg(sweepChart(report))}</div>`);
  }

  parts.push('<h2>Comparison</h2>', table(COMPARISON_HEADER, comparisonRows(report)));
  parts.push(`<p class="note">${escapeHtml(COMPARISON_NOTE)}</p>`);


  parts.push('<h2>Learning curves</h2>');
  parts.push(`<div class="charts">${await svg(lossChart(report))}${await svg(accuracyChart(report))}</div>`);
  const cost = await svg(costChart(report));
  if (cost) parts.push(`<div class="charts">${cost}</div>`);

  const evaluated = report.models.filter((m) => m.evaluation);
  if (evaluated.length > 0) {
    parts.push('<h2>Confusion matrices (test set)</h2>');
    const matrices = await Promise.all(evaluated.map((m) => renderSvg(confusionChart(m.name, report.classNames, m.evaluation!.confusion))));
    parts.push(`<div class="charts">${matrices.join('\n')}</div>`);
  }
  const perClass = perClassTable(report);
  if (perClass) parts.push('<h3>Accuracy per class</h3>', table(perClass.header, perClass.rows));
  parts.push(...viewsHtml(report));

  parts.push('<h2>Runs</h2>');
  for (const m of report.models) {
    parts.push(`<h3>${escapeHtml(m.name)}</h3>`, `<p>${escapeHtml(describeRun(m.spec))}.</p>`);
    if (m.error) parts.push(`<p><strong>${m.status === 'failed' ? 'Failed' : 'Note'}:</strong> ${escapeHtml(m.error)}</p>`);
    if (m.history.length > 0) parts.push(table(HISTORY_HEADER, historyRows(m)));
    if (m.savedModel) parts.push(`<p>${savedModelLine(m.savedModel, (path) => `<a href="${escapeHtml(path)}/model.json">${escapeHtml(path)}</a>`, escapeHtml)}</p>`);
  }

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${parts.join('\n')}
</body>
</html>
`;
}
