// The eval progress bar: drawn (samples, samples/s, ETA) on a terminal, nothing when piped.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar } from '../../src/cli/progress.js';

function stream(isTTY: boolean): { s: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  Object.assign(s, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { s, text: () => text };
}

describe('progress bar', () => {
  it('on a terminal shows samples done, samples/s and the ETA', async () => {
    const t = stream(true);
    const bar = await progressBar(40, 'samples', t.s);
    bar.update(10);
    bar.update(40);
    bar.stop();
    expect(t.text()).toMatch(/40\/40 samples \| \d+ samples\/s \| ETA \S+/);
  });

  it('writes nothing when the stream is not a terminal', async () => {
    const t = stream(false);
    const bar = await progressBar(40, 'samples', t.s);
    bar.update(10);
    bar.stop();
    expect(t.text()).toBe('');
  });
});
