// The test-set panel's results: the confusion matrix as a table and the misclassified digits as
// clickable thumbnails.
import type { ConfusionMatrix, LayerStatistics } from '../../src/index.js';
import type { Misclassified } from './test-set.js';
import { drawDigit } from './views.js';

/** Thumbnails shown at most (a 10,000-digit run has a couple of hundred errors). */
const MAX_THUMBNAILS = 120;

/** Rows: true class; columns: predicted class; the diagonal and the errors shaded by count. */
export function showConfusion(table: HTMLTableElement, confusion: ConfusionMatrix): void {
  const k = confusion.classes;
  const head = document.createElement('tr');
  head.append(th('true \\ predicted (digits)'), ...Array.from({ length: k }, (_, p) => th(String(p))), th('recall (%)'));
  const rows = confusion.rows().map((counts, label) => {
    const tr = document.createElement('tr');
    tr.append(th(String(label)));
    const total = counts.reduce((a, b) => a + b, 0);
    counts.forEach((n, p) => {
      const td = document.createElement('td');
      td.className = 'num';
      td.textContent = String(n);
      if (n > 0) {
        const share = total ? n / total : 0;
        // correct cells green, errors red; a stronger tint for a larger share of the row
        td.style.background = p === label ? `rgba(23, 112, 44, ${0.1 + 0.3 * share})` : `rgba(179, 38, 30, ${Math.min(0.6, 0.15 + share * 4)})`;
      }
      tr.append(td);
    });
    const recall = confusion.recall(label);
    const td = document.createElement('td');
    td.className = 'num';
    td.textContent = Number.isNaN(recall) ? '—' : `${(100 * recall).toFixed(1)}%`;
    tr.append(td);
    return tr;
  });
  table.replaceChildren(head, ...rows);
}

/** Spikes (non-zero outputs) per digit and sparsity, per layer, from Model.statistics. */
export function showStatistics(table: HTMLTableElement, stats: LayerStatistics[]): void {
  const head = document.createElement('tr');
  head.append(th('layer'), th('kind'), th('neurons (per digit)'), th('spikes per digit'), th('sparsity (% zero)'));
  const rows = stats.map((s) => {
    const tr = document.createElement('tr');
    tr.append(th(s.name));
    for (const [text, num] of [
      [s.kind, false],
      [s.outputs.toLocaleString('en'), true],
      [s.spikesPerSample.toFixed(1), true],
      [`${(100 * s.sparsity).toFixed(1)}%`, true],
    ] as const) {
      const td = document.createElement('td');
      td.textContent = text;
      if (num) td.className = 'num';
      tr.append(td);
    }
    return tr;
  });
  table.replaceChildren(head, ...rows);
}

/** One button per misclassified digit; clicking calls `onPick` with it. */
export function showMisclassified(container: HTMLElement, errors: Misclassified[], onPick: (m: Misclassified) => void): void {
  const shown = errors.slice(0, MAX_THUMBNAILS);
  container.replaceChildren(
    ...shown.map((m) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'digit';
      button.title = `digit #${m.index}: label ${m.label}, predicted ${m.predicted}`;
      button.dataset.index = String(m.index);
      const canvas = document.createElement('canvas');
      drawDigit(canvas, m.pixels);
      const caption = document.createElement('span');
      caption.textContent = `${m.label}→${m.predicted}`;
      button.append(canvas, caption);
      button.addEventListener('click', () => onPick(m));
      return button;
    }),
  );
  if (errors.length > shown.length) {
    const more = document.createElement('p');
    more.textContent = `… and ${errors.length - shown.length} more`;
    container.append(more);
  }
}

function th(text: string): HTMLTableCellElement {
  const cell = document.createElement('th');
  cell.textContent = text;
  return cell;
}
