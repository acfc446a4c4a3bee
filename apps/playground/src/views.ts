/** Drawing helpers of the page: grids onto canvases, the sample sheet, top-3 bars, confusion tables. */
import type { ImageGrid } from '@zoo/analysis';
import type { Classification } from '@zoo/layers';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, children: (Node | string)[] = []): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`the page has no #${id}`);
  return node as T;
}

/** An ImageGrid on a canvas of its own size (CSS scales it up, pixelated). */
export function gridCanvas(grid: ImageGrid, title: string): HTMLCanvasElement {
  const canvas = el('canvas', { width: grid.width, height: grid.height, title });
  canvas.className = 'grid';
  canvas.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(grid.data), grid.width, grid.height), 0, 0);
  return canvas;
}

/** Sheet geometry: tiles of 28 px and a 1 px gap. */
export const SHEET = { columns: 25, tile: 28, gap: 1 };

export function sheetSize(count: number): { width: number; height: number } {
  const rows = Math.ceil(count / SHEET.columns);
  return { width: SHEET.columns * (SHEET.tile + SHEET.gap) + SHEET.gap, height: rows * (SHEET.tile + SHEET.gap) + SHEET.gap };
}

export function tileOrigin(i: number): { x: number; y: number } {
  return { x: SHEET.gap + (i % SHEET.columns) * (SHEET.tile + SHEET.gap), y: SHEET.gap + Math.floor(i / SHEET.columns) * (SHEET.tile + SHEET.gap) };
}

/** The tile under a click, or -1. */
export function tileAt(canvas: HTMLCanvasElement, clientX: number, clientY: number, count: number): number {
  const r = canvas.getBoundingClientRect();
  const x = ((clientX - r.left) * canvas.width) / r.width;
  const y = ((clientY - r.top) * canvas.height) / r.height;
  const col = Math.floor((x - SHEET.gap) / (SHEET.tile + SHEET.gap));
  const row = Math.floor((y - SHEET.gap) / (SHEET.tile + SHEET.gap));
  const i = row * SHEET.columns + col;
  return col >= 0 && col < SHEET.columns && row >= 0 && i < count ? i : -1;
}

/**
 * The sample as one sheet: each image grey, `marked` ones (where the models disagree) framed red,
 * the selected one framed yellow; with `onlyMarked` the others are dimmed.
 */
export function drawSheet(canvas: HTMLCanvasElement, images: Uint8Array, count: number, marked: ReadonlySet<number>, selected: number, onlyMarked: boolean): void {
  const { width, height } = sheetSize(count);
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const sheet = ctx.createImageData(width, height);
  sheet.data.fill(255);
  const px = SHEET.tile * SHEET.tile;
  for (let i = 0; i < count; i++) {
    const { x, y } = tileOrigin(i);
    const dim = onlyMarked && !marked.has(i) ? 0.25 : 1;
    for (let p = 0; p < px; p++) {
      const v = images[i * px + p] * dim;
      const q = 4 * ((y + Math.floor(p / SHEET.tile)) * width + x + (p % SHEET.tile));
      sheet.data[q] = v;
      sheet.data[q + 1] = v;
      sheet.data[q + 2] = v;
    }
  }
  ctx.putImageData(sheet, 0, 0);
  const frame = (i: number, colour: string) => {
    const { x, y } = tileOrigin(i);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.strokeRect(x + 1, y + 1, SHEET.tile - 2, SHEET.tile - 2);
  };
  for (const i of marked) frame(i, '#e4572e');
  if (selected >= 0) frame(selected, '#ffd23f');
}

/** One model's top-3 as labelled bars. */
export function topList(top: readonly Classification[], truth: number | null): HTMLOListElement {
  return el(
    'ol',
    { className: 'top' },
    top.map((c) => {
      const li = el('li', {}, [
        el('span', { className: 'name' }, [c.className]),
        el('span', { className: 'bar' }, [el('span', { className: 'fill' })]),
        el('span', { className: 'p' }, [`${(100 * c.probability).toFixed(1)}%`]),
      ]);
      (li.querySelector('.fill') as HTMLElement).style.width = `${(100 * c.probability).toFixed(1)}%`;
      if (truth !== null) li.classList.add(c.index === truth ? 'right' : 'wrong');
      li.dataset.index = String(c.index);
      return li;
    }),
  );
}

/** Confusion matrix (rows: true class, columns: predicted) with each class's accuracy. */
export function confusionTable(confusion: number[][], classes: readonly string[]): HTMLTableElement {
  const head = el('tr', {}, [el('th', {}, ['true \\ predicted']), ...classes.map((c) => el('th', { className: 'rot', title: c }, [el('span', {}, [c])])), el('th', {}, ['accuracy'])]);
  const rows = confusion.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    const cells = row.map((n, p) => {
      const td = el('td', { title: `${n} ${classes[t]} taken for ${classes[p]}` }, [n === 0 ? '' : String(n)]);
      const share = total === 0 ? 0 : n / total;
      td.style.background = t === p ? `rgba(46, 134, 171, ${share})` : `rgba(228, 87, 46, ${Math.min(1, 3 * share)})`;
      if (share > 0.55) td.style.color = '#fff';
      return td;
    });
    const acc = total === 0 ? 0 : row[t] / total;
    const accCell = el('td', { className: 'acc' }, [`${(100 * acc).toFixed(0)}%`]);
    accCell.dataset.accuracy = String(acc);
    return el('tr', {}, [el('th', {}, [classes[t]]), ...cells, accCell]);
  });
  return el('table', { className: 'confusion' }, [el('thead', {}, [head]), el('tbody', {}, rows)]);
}
