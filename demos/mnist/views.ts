// Small DOM views of the MNIST page: a 28 x 28 digit on a canvas and the class-score bars.
import { MNIST_SIDE } from './preprocess.js';

/** Draws a 28 x 28 grey digit into `canvas` (28 x 28 backing pixels; CSS scales it up). */
export function drawDigit(canvas: HTMLCanvasElement, pixels: Uint8Array): void {
  canvas.width = MNIST_SIDE;
  canvas.height = MNIST_SIDE;
  const image = new ImageData(MNIST_SIDE, MNIST_SIDE);
  pixels.forEach((v, i) => image.data.set([v, v, v, 255], i * 4));
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}

/**
 * One labelled bar per class. The scores are predict()'s rescaled potentials (any sign), so the
 * bars run from min(0, lowest score) to the highest score.
 */
export function showScores(container: HTMLElement, scores: ArrayLike<number>, predicted: number): void {
  const values = Array.from(scores);
  const lo = Math.min(0, ...values);
  const hi = Math.max(...values, lo + 1e-9);
  container.replaceChildren(
    ...values.map((v, k) => {
      const row = document.createElement('div');
      row.className = k === predicted ? 'score best' : 'score';
      row.dataset.class = String(k);
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = String(k);
      const track = document.createElement('span');
      track.className = 'track';
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${(100 * (v - lo)) / (hi - lo)}%`;
      track.append(bar);
      const value = document.createElement('span');
      value.className = 'value';
      value.textContent = v.toFixed(2);
      row.append(label, track, value);
      return row;
    }),
  );
}
