// A drawing made MNIST-like, as LeCun et al. prepared the digits: the ink's bounding box is
// scaled (aspect ratio kept, area-averaged so edges stay grey) to fit a 20 x 20 box, then placed
// in a 28 x 28 field so that its centre of mass lies at the field's centre. White ink on black,
// 8-bit grey. Pure functions on arrays, no DOM, so the unit tests run them in Node.

export const MNIST_SIDE = 28;
/** the side of the box the digit's bounding box is scaled into */
export const MNIST_BOX = 20;

/** A grey image, row-major, ink high (0..255). */
export interface GreyImage {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

/** Pixels above `threshold`: [x0, y0, x1, y1) (end exclusive), or undefined when there is no ink. */
export function inkBounds(img: GreyImage, threshold = 0): [number, number, number, number] | undefined {
  let x0 = img.width;
  let y0 = img.height;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[y * img.width + x]! > threshold) {
        if (x < x0) x0 = x;
        if (x >= x1) x1 = x + 1;
        if (y < y0) y0 = y;
        if (y >= y1) y1 = y + 1;
      }
    }
  }
  return x1 > x0 ? [x0, y0, x1, y1] : undefined;
}

/**
 * For each of `dst` cells over a source of `src` cells, the source cells it covers and the share
 * of each (a box filter with exact fractional coverage, so downscaling keeps the mean ink).
 */
function coverage(src: number, dst: number): Array<{ start: number; weights: number[] }> {
  const step = src / dst;
  return Array.from({ length: dst }, (_, d) => {
    const a = d * step;
    const b = a + step;
    const start = Math.floor(a);
    const weights: number[] = [];
    for (let s = start; s < b && s < src; s++) weights.push((Math.min(b, s + 1) - Math.max(a, s)) / step);
    return { start, weights };
  });
}

/** The `w` x `h` window at (x0, y0) of `img`, resampled to `dw` x `dh` by area averaging. */
export function resampleArea(img: GreyImage, x0: number, y0: number, w: number, h: number, dw: number, dh: number): Float32Array {
  const cols = coverage(w, dw);
  const rows = coverage(h, dh);
  // horizontal pass over every source row of the window, then vertical
  const mid = new Float32Array(dw * h);
  for (let y = 0; y < h; y++) {
    const row = (y0 + y) * img.width + x0;
    cols.forEach(({ start, weights }, dx) => {
      let v = 0;
      weights.forEach((wt, i) => (v += wt * img.data[row + start + i]!));
      mid[y * dw + dx] = v;
    });
  }
  const out = new Float32Array(dw * dh);
  rows.forEach(({ start, weights }, dy) => {
    for (let dx = 0; dx < dw; dx++) {
      let v = 0;
      weights.forEach((wt, i) => (v += wt * mid[(start + i) * dw + dx]!));
      out[dy * dw + dx] = v;
    }
  });
  return out;
}

/** Centre of mass in pixel coordinates (pixel x covers [x, x + 1), so its centre is x + 0.5). */
export function centreOfMass(img: GreyImage): { x: number; y: number; mass: number } {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const v = img.data[y * img.width + x]!;
      mass += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return mass > 0 ? { x: sx / mass, y: sy / mass, mass } : { x: NaN, y: NaN, mass: 0 };
}

/** The ink of a drawing as a 28 x 28 MNIST digit (all zeros when nothing is drawn). */
export function toMnist(img: GreyImage): Uint8Array {
  if (img.data.length !== img.width * img.height) {
    throw new RangeError(`image of ${img.width} x ${img.height} holds ${img.data.length} values, expected ${img.width * img.height}`);
  }
  const out = new Uint8Array(MNIST_SIDE * MNIST_SIDE);
  const box = inkBounds(img);
  if (!box) return out;
  const [x0, y0, x1, y1] = box;
  const w = x1 - x0;
  const h = y1 - y0;
  const scale = MNIST_BOX / Math.max(w, h);
  const dw = Math.max(1, Math.round(w * scale));
  const dh = Math.max(1, Math.round(h * scale));
  const digit: GreyImage = { data: resampleArea(img, x0, y0, w, h, dw, dh), width: dw, height: dh };
  const com = centreOfMass(digit);
  // whole-pixel shift, as MNIST did; ink shifted past the border is dropped
  const ox = Math.round(MNIST_SIDE / 2 - com.x);
  const oy = Math.round(MNIST_SIDE / 2 - com.y);
  for (let y = 0; y < dh; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= MNIST_SIDE) continue;
    for (let x = 0; x < dw; x++) {
      const tx = x + ox;
      if (tx < 0 || tx >= MNIST_SIDE) continue;
      out[ty * MNIST_SIDE + tx] = Math.min(255, Math.round(digit.data[y * dw + x]!));
    }
  }
  return out;
}

/** One channel of RGBA pixels (canvas getImageData) as a grey image: the ink is drawn white. */
export function greyFromRgba(rgba: ArrayLike<number>, width: number, height: number): GreyImage {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rgba[i * 4]!;
  return { data, width, height };
}
