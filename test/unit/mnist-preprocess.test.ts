// The MNIST demo's preprocessing (demos/mnist/preprocess.ts): a drawing's ink scaled into a
// 20 x 20 box and centred by centre of mass in 28 x 28, as the MNIST digits were made.
import { describe, expect, it } from 'vitest';
import { centreOfMass, inkBounds, MNIST_BOX, MNIST_SIDE, toMnist, type GreyImage } from '../../demos/mnist/preprocess.js';

const CANVAS = 280;

/** A CANVAS x CANVAS black image with a filled white disk. */
function disk(cx: number, cy: number, r: number): GreyImage {
  const data = new Uint8Array(CANVAS * CANVAS);
  for (let y = 0; y < CANVAS; y++) {
    for (let x = 0; x < CANVAS; x++) if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r) data[y * CANVAS + x] = 255;
  }
  return { data, width: CANVAS, height: CANVAS };
}

/** A filled white rectangle [x0, x1) x [y0, y1). */
function rect(x0: number, y0: number, x1: number, y1: number): GreyImage & { data: Uint8Array } {
  const data = new Uint8Array(CANVAS * CANVAS);
  for (let y = y0; y < y1; y++) data.fill(255, y * CANVAS + x0, y * CANVAS + x1);
  return { data, width: CANVAS, height: CANVAS };
}

const asDigit = (data: Uint8Array): GreyImage => ({ data, width: MNIST_SIDE, height: MNIST_SIDE });

describe('toMnist (MNIST-style centring)', () => {
  it('puts a blob drawn in a corner at the centre of the 28 x 28 field, its box scaled to 20', () => {
    const out = toMnist(disk(50, 60, 30));
    const com = centreOfMass(asDigit(out));
    expect(Math.abs(com.x - MNIST_SIDE / 2)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(com.y - MNIST_SIDE / 2)).toBeLessThanOrEqual(0.5);
    const [x0, y0, x1, y1] = inkBounds(asDigit(out))!;
    expect([x1 - x0, y1 - y0]).toEqual([MNIST_BOX, MNIST_BOX]);
    // the disk's inside stays full white, its rim grey
    expect(out[14 * MNIST_SIDE + 14]).toBe(255);
    expect(out.some((v) => v > 0 && v < 255)).toBe(true);
  });

  it('gives the same digit wherever the blob is drawn (translation invariance)', () => {
    const a = toMnist(disk(50, 60, 30));
    const b = toMnist(disk(50 + 150, 60 + 120, 30));
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('keeps the aspect ratio: a tall bar becomes 20 high and 2 wide', () => {
    const out = toMnist(rect(100, 30, 120, 230));
    const [x0, y0, x1, y1] = inkBounds(asDigit(out))!;
    expect([x1 - x0, y1 - y0]).toEqual([2, MNIST_BOX]);
    expect(Math.abs(centreOfMass(asDigit(out)).x - MNIST_SIDE / 2)).toBeLessThanOrEqual(0.5);
  });

  it('centres by mass, not by box: an L whose ink sits low-left is moved up and right', () => {
    // a thin bar plus a heavy foot: the mass lies below and left of the box's centre
    const img = rect(40, 40, 60, 200);
    for (let y = 160; y < 200; y++) img.data.fill(255, y * CANVAS + 40, y * CANVAS + 200);
    const out = toMnist(img);
    const com = centreOfMass(asDigit(out));
    expect(Math.abs(com.x - MNIST_SIDE / 2)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(com.y - MNIST_SIDE / 2)).toBeLessThanOrEqual(0.5);
    const [x0, y0, x1, y1] = inkBounds(asDigit(out))!;
    // so the box sits right of and above the field's centre
    expect((x0 + x1) / 2).toBeGreaterThan(MNIST_SIDE / 2 + 1);
    expect((y0 + y1) / 2).toBeLessThan(MNIST_SIDE / 2 - 1);
  });

  it('returns a black digit for an empty drawing and rejects a wrong-sized buffer', () => {
    expect(toMnist({ data: new Uint8Array(CANVAS * CANVAS), width: CANVAS, height: CANVAS }).every((v) => v === 0)).toBe(true);
    expect(() => toMnist({ data: new Uint8Array(10), width: CANVAS, height: CANVAS })).toThrow(/holds 10 values/);
  });
});
