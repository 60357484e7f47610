// Every layer's integer outputs for one sample as heat-map tiles, one tile per channel, with the
// layer's spike count (non-zero outputs, as Model.statistics counts them). Activations run from 0
// to 2^bits - 1; a potentials-only layer (no activation) is drawn signed, scaled by its largest |p|.
import type { IntBatch, SummaryRow } from '../../src/index.js';
import { colourScale, diverging, heat } from '../shared/colour.js';

/** pixels per output neuron, chosen so a tile is about this wide */
const TILE = 42;
const COLUMNS = 16;
const GAP = 2;

export interface LayerMap {
  name: string;
  shape: [number, number, number];
  /** non-zero outputs of this sample */
  spikes: number;
  /** the layer has no activation: its outputs are potentials, not spikes */
  potentialsOnly: boolean;
}

/** Spikes (non-zero outputs) of sample `s` in one layer's batch. */
export function spikesOf(out: IntBatch, s: number): number {
  const size = out.shape[0] * out.shape[1] * out.shape[2];
  let count = 0;
  for (let i = s * size; i < (s + 1) * size; i++) if (out.data[i] !== 0) count++;
  return count;
}

function drawTiles(canvas: HTMLCanvasElement, out: IntBatch, s: number, colour: (v: number) => [number, number, number]): void {
  const [h, w, c] = out.shape;
  const scale = Math.max(1, Math.round(TILE / Math.max(h, w)));
  const cols = Math.min(COLUMNS, c);
  const rows = Math.ceil(c / cols);
  const tw = w * scale + GAP;
  const th = h * scale + GAP;
  canvas.width = cols * tw - GAP;
  canvas.height = rows * th - GAP;
  const image = new ImageData(canvas.width, canvas.height);
  image.data.fill(255); // gaps stay white
  const base = s * h * w * c;
  for (let ch = 0; ch < c; ch++) {
    const ox = (ch % cols) * tw;
    const oy = Math.floor(ch / cols) * th;
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        // NHWC: channel is the fastest index
        const v = out.data[base + (Math.floor(y / scale) * w + Math.floor(x / scale)) * c + ch]!;
        image.data.set(colour(v), ((oy + y) * canvas.width + ox + x) * 4);
      }
    }
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}

/** Replaces `container`'s content with one captioned tile canvas per layer. */
export function showSpikeMaps(container: HTMLElement, layers: IntBatch[], rows: SummaryRow[], s = 0): LayerMap[] {
  const maps: LayerMap[] = [];
  container.replaceChildren(
    ...layers.map((out, k) => {
      const row = rows[k]!;
      const spikes = spikesOf(out, s);
      maps.push({ name: row.name, shape: out.shape, spikes, potentialsOnly: row.actBits === null });
      const figure = document.createElement('figure');
      figure.className = 'layer-map';
      const caption = document.createElement('figcaption');
      const canvas = document.createElement('canvas');
      const size = out.shape[0] * out.shape[1] * out.shape[2];
      if (row.actBits !== null) {
        const top = 2 ** row.actBits - 1;
        drawTiles(canvas, out, s, (v) => heat(v / top));
        caption.textContent = `${row.name} (${row.kind}) ${out.shape.join('×')}: ${spikes} spikes (non-zero outputs) of ${size} neurons, ${row.actBits}-bit activations`;
        figure.append(caption, canvas, colourScale(heat, '0', String(top), `activation level (${row.actBits}-bit: 0 to ${top})`));
        return figure;
      } else {
        let peak = 1;
        for (let i = s * size; i < (s + 1) * size; i++) peak = Math.max(peak, Math.abs(out.data[i]!));
        drawTiles(canvas, out, s, (v) => diverging(v / peak));
        caption.textContent = `${row.name} (${row.kind}) ${out.shape.join('×')}: potentials (no activation), |p| up to ${peak}`;
        figure.append(caption, canvas, colourScale(diverging, `−${peak}`, `+${peak}`, 'integer potential (blue negative, black 0, red positive)', -1));
        return figure;
      }
    }),
  );
  return maps;
}
