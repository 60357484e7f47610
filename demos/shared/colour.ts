// Colour maps of the heat maps and the scale drawn beside each: a bar of the colours with its
// lowest and highest values and what they count.

/** Black -> red -> yellow -> white for t in [0, 1]. */
export function heat(t: number): [number, number, number] {
  const c = Math.max(0, Math.min(1, t)) * 3;
  return [Math.min(1, c), Math.min(1, Math.max(0, c - 1)), Math.max(0, c - 2)].map((v) => Math.round(v * 255)) as [number, number, number];
}

/** Blue for negative, black at zero, red for positive; t in [-1, 1]. */
export function diverging(t: number): [number, number, number] {
  const a = Math.round(Math.min(1, Math.abs(t)) * 255);
  return t < 0 ? [a >> 2, a >> 1, a] : [a, a >> 2, a >> 3];
}

export const css = ([r, g, b]: [number, number, number]): string => `rgb(${r}, ${g}, ${b})`;

/**
 * A horizontal colour scale: `colour(t)` for t from `from` to 1 (0 or -1 for a diverging map),
 * labelled with the values at its ends and its unit. Returns a <div class="colour-scale">.
 */
export function colourScale(colour: (t: number) => [number, number, number], lo: string, hi: string, unit: string, from = 0, mid?: string): HTMLElement {
  const box = document.createElement('div');
  box.className = 'colour-scale';
  const canvas = document.createElement('canvas');
  canvas.width = 160;
  canvas.height = 10;
  const ctx = canvas.getContext('2d')!;
  for (let x = 0; x < canvas.width; x++) {
    ctx.fillStyle = css(colour(from + ((1 - from) * x) / (canvas.width - 1)));
    ctx.fillRect(x, 0, 1, canvas.height);
  }
  const low = document.createElement('span');
  low.textContent = lo;
  const high = document.createElement('span');
  high.textContent = hi;
  const what = document.createElement('span');
  what.className = 'unit';
  what.textContent = unit;
  box.append(low, canvas, high, what);
  if (mid !== undefined) box.dataset.mid = mid;
  return box;
}
