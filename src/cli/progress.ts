// A progress bar (samples done, samples/s, ETA) on stderr when it is a terminal; nothing when
// it is piped or redirected, so logs and JSON output stay clean.
import type { SingleBar } from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

/** Bars on screen: an interrupted command stops them (and shows the cursor again) before it exits. */
const active = new Set<SingleBar>();

export function stopAllProgress(): void {
  for (const bar of active) bar.stop();
  active.clear();
}

/** `unit` names what is counted ("samples"). */
export async function progressBar(total: number, unit = 'samples', stream: NodeJS.WriteStream = process.stderr): Promise<Progress> {
  if (!stream.isTTY || total <= 0) return silent;
  const { default: progress } = await import('cli-progress');
  const t0 = performance.now();
  const bar: SingleBar = new progress.SingleBar({
    stream,
    format: `{bar} {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 5,
  }, progress.Presets.shades_classic);
  bar.start(total, 0, { rate: '-' });
  active.add(bar);
  return {
    update(done) {
      const s = (performance.now() - t0) / 1000;
      bar.update(done, { rate: s > 0 ? (done / s).toFixed(0) : '-' });
    },
    stop: () => {
      active.delete(bar);
      bar.stop();
    },
  };
}
