// The drawing canvas: white ink on black from mouse, touch or pen (pointer events), one callback
// per finished stroke. The canvas keeps a fixed backing size; pointer positions are mapped into it.
import { greyFromRgba, type GreyImage } from './preprocess.js';
import { drawDigit } from './views.js';

/** the stroke width as a share of the canvas side: a digit drawn across most of it gets MNIST-like strokes */
const STROKE = 0.075;

export class DrawingPad {
  private readonly ctx: CanvasRenderingContext2D;
  private last?: { x: number; y: number };
  private pointer?: number;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onStrokeEnd: () => void,
  ) {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('the drawing canvas has no 2D context');
    this.ctx = ctx;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
  }

  clear(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** The ink as a grey image of the canvas's backing size. */
  ink(): GreyImage {
    const { width, height } = this.canvas;
    return greyFromRgba(this.ctx.getImageData(0, 0, width, height).data, width, height);
  }

  /** Paints a 28 x 28 digit over the whole canvas (a test digit loaded for a closer look). */
  showDigit(pixels: Uint8Array): void {
    const small = document.createElement('canvas');
    drawDigit(small, pixels);
    this.clear();
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(small, 0, 0, this.canvas.width, this.canvas.height);
  }

  private at(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
  }

  private down(e: PointerEvent): void {
    if (this.pointer !== undefined || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    this.pointer = e.pointerId;
    this.canvas.setPointerCapture(e.pointerId);
    this.last = this.at(e);
    this.segment(this.last, this.last);
  }

  private move(e: PointerEvent): void {
    if (e.pointerId !== this.pointer) return;
    // coalesced events keep fast strokes smooth (one pointermove per frame carries several samples)
    const events = e.getCoalescedEvents?.() ?? [];
    for (const ev of events.length ? events : [e]) {
      const p = this.at(ev);
      this.segment(this.last!, p);
      this.last = p;
    }
  }

  private up(e: PointerEvent): void {
    if (e.pointerId !== this.pointer) return;
    this.pointer = undefined;
    this.last = undefined;
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    this.onStrokeEnd();
  }

  private segment(a: { x: number; y: number }, b: { x: number; y: number }): void {
    const ctx = this.ctx;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = STROKE * this.canvas.width;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
  }
}
