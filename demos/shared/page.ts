// Small helpers the demo pages share: element lookup, the adapter table, and showing an error
// on the page (status line + <pre id="error">) while logging it for the browser tests.
import type { DeviceInfo } from '../../src/index.js';

export const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no element #${id}`);
  return el as T;
};

/** Fills the first tbody of `table` with the adapter's vendor, architecture, description and kind. */
export function showAdapter(table: HTMLTableElement, info: DeviceInfo): void {
  const rows: Array<[string, string]> = [
    ['vendor', info.vendor || '—'],
    ['architecture', info.architecture || '—'],
    ['description', info.description || '—'],
    ['kind', info.software ? 'software (runs on the CPU)' : 'hardware'],
  ];
  table.tBodies[0]!.replaceChildren(
    ...rows.map(([k, v]) => {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.textContent = k;
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(th, td);
      return tr;
    }),
  );
}

/** "vendor architecture" of the adapter, for status lines. */
export function adapterName(info: DeviceInfo): string {
  const name = [info.vendor, info.architecture].filter(Boolean).join(' ') || 'WebGPU';
  return `${name}${info.software ? ' (software, on the CPU)' : ''}`;
}

/** Logs `err` with console.error (prefixed by `demo`), shows it in #status and #error, returns its text. */
export function showError(demo: string, err: unknown): string {
  const error = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
  console.error(`${demo}: ${error}`);
  const status = $('status');
  status.textContent = 'error';
  status.className = 'fail';
  const pre = $('error');
  pre.textContent = error;
  pre.hidden = false;
  return error;
}
