// A progress bar (samples done, samples/s, ETA) on stderr when it is a terminal; nothing when
// it is piped or redirected, so logs and JSON output stay clean.
import type { SingleBar } from 'cli-progress';

export interface Progress {
  /** `fields` fill the `{name}` tokens of a custom format (and may override `rate`) */
  update(done: number, fields?: Record<string, string>): void;
  /** a line on `out` (stdout by default) that does not break the bar: the bar is drawn again below it */
  log(line: string, out?: NodeJS.WritableStream): void;
  stop(): void;
}

const silent: Progress = { update() {}, log: (line, out = process.stdout) => void out.write(`${line}\n`), stop() {} };

/** Bars on screen: an interrupted command stops them (and shows the cursor again) before it exits. */
const active = new Set<SingleBar>();

export function stopAllProgress(): void {
  for (const bar of active) bar.stop();
  active.clear();
}

/** A line of its own: cli-progress tokens ({bar}, {value}, {total}, {eta_formatted}, {rate}) and `{field}`s, with their first values. */
export interface ProgressFormat {
  format: string;
  fields: Record<string, string>;
}

/** `unit` names what is counted ("samples"). */
export async function progressBar(total: number, unit = 'samples', stream: NodeJS.WriteStream = process.stderr, custom?: ProgressFormat): Promise<Progress> {
  if (!stream.isTTY || total <= 0) return silent;
  const { default: progress } = await import('cli-progress');
  const t0 = performance.now();
  const bar: SingleBar = new progress.SingleBar({
    stream,
    format: custom?.format ?? `{bar} {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 5,
  }, progress.Presets.shades_classic);
  bar.start(total, 0, { rate: '-', ...custom?.fields });
  active.add(bar);
  return {
    update(done, fields) {
      const s = (performance.now() - t0) / 1000;
      bar.update(done, { rate: s > 0 ? (done / s).toFixed(0) : '-', ...fields });
    },
    log(line, out = process.stdout) {
      stream.write('\r\x1b[2K'); // the bar's line, cleared; the next update draws it below the line
      out.write(`${line}\n`);
      stream.write('\x1b7'); // the bar's new row: cli-progress restores the cursor saved at start when it stops
      // drawn again now (cli-progress only redraws a line that changed; GenericBar's render forces it)
      (Object.getPrototypeOf(progress.SingleBar.prototype) as { render(this: SingleBar, force: boolean): void }).render.call(bar, true);
    },
    stop: () => {
      active.delete(bar);
      bar.stop();
    },
  };
}
