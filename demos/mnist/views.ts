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

/** Softmax of the scores (shifted by their maximum, so large potentials do not overflow). */
export function softmax(scores: ArrayLike<number>): number[] {
  const values = Array.from(scores);
  const top = Math.max(...values);
  const e = values.map((v) => Math.exp(v - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/**
 * One labelled bar per class: the softmax of the logits (predict() x outputScale), as a share
 * from 0 to 100% (bars start at zero); the logit itself is in the row's title.
 */
export function showScores(container: HTMLElement, scores: ArrayLike<number>, predicted: number): number[] {
  const values = Array.from(scores);
  const probs = softmax(values);
  container.replaceChildren(
    ...probs.map((p, k) => {
      const row = document.createElement('div');
      row.className = k === predicted ? 'score best' : 'score';
      row.dataset.class = String(k);
      row.title = `class ${k}: logit ${values[k]!.toFixed(3)}, softmax ${(100 * p).toFixed(2)}%`;
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = String(k);
      const track = document.createElement('span');
      track.className = 'track';
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${100 * p}%`;
      track.append(bar);
      const value = document.createElement('span');
      value.className = 'value';
      value.textContent = `${(100 * p).toFixed(1)}%`;
      row.append(label, track, value);
      return row;
    }),
  );
  return probs;
}
