// Small helpers the demo pages share: element lookup, the adapter table, errors shown to the
// visitor as one readable line near the top (the stack goes to the console only), a status
// line that counts the seconds of a wait, and a Stop flag for long runs.
import type { DeviceInfo } from '../../src/index.js';

export const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no element #${id}`);
  return el as T;
};

/** Fills the first tbody of `table` with the adapter's vendor, architecture, description and kind. */
export function showAdapter(table: HTMLTableElement, info: DeviceInfo | null): void {
  const rows: Array<[string, string]> = info
    ? [
        ['vendor', info.vendor || '—'],
        ['architecture', info.architecture || '—'],
        ['description', info.description || '—'],
        ['kind', info.software ? 'software (runs on the CPU)' : 'hardware'],
      ]
    : [['backend', 'no WebGPU adapter: the CPU reference backend (plain TypeScript)']];
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

/** The message of an error, without its stack. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Logs `err` with its stack (console.error, prefixed by `demo`) and shows its message only in
 * #status and #error; #error is moved just below the status line so it is on the first screen.
 * Returns the message.
 */
export function showError(demo: string, err: unknown): string {
  const message = messageOf(err);
  console.error(`${demo}: ${err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err)}`);
  const status = $('status');
  status.textContent = 'error (details below)';
  status.className = 'fail';
  const pre = $('error');
  pre.textContent = message;
  pre.hidden = false;
  status.closest('p')?.after(pre);
  return message;
}

/** Lets the browser paint before synchronous work. */
export const paint = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/**
 * A status line for waits: `say(text)` shows the text followed by the seconds since the wait
 * began, updated twice a second, until `done()`.
 */
export class Waiting {
  private text = '';
  private readonly t0 = performance.now();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly el: HTMLElement) {
    this.timer = setInterval(() => this.render(), 500);
  }

  /** seconds since the wait began */
  get seconds(): number {
    return (performance.now() - this.t0) / 1000;
  }

  async say(text: string): Promise<void> {
    this.text = text;
    this.render();
    await paint();
  }

  private render(): void {
    // an error shown meanwhile ends the wait
    if (this.el.classList.contains('fail')) return this.done();
    this.el.textContent = `${this.text} (${this.seconds.toFixed(1)} s)`;
  }

  done(text?: string): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (text !== undefined) this.el.textContent = text;
  }
}

/** Thrown by a run's progress callback when the visitor pressed Stop. */
export class Stopped extends Error {
  constructor() {
    super('stopped');
    this.name = 'Stopped';
  }
}

/** A Stop button bound to one run at a time: `start()` enables it, `check()` throws Stopped once pressed. */
export class StopButton {
  private stopped = false;

  constructor(private readonly button: HTMLButtonElement) {
    button.disabled = true;
    button.addEventListener('click', () => {
      this.stopped = true;
      button.disabled = true;
    });
  }

  start(): void {
    this.stopped = false;
    this.button.disabled = false;
  }

  get requested(): boolean {
    return this.stopped;
  }

  check(): void {
    if (this.stopped) throw new Stopped();
  }

  end(): void {
    this.button.disabled = true;
  }
}

/** Formats seconds for status lines. */
export const secs = (s: number): string => `${s.toFixed(1)} s`;
