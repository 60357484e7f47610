// Per-pixel event lists (shaders/pixel_events.wgsl): the input of the event-driven conv.
import { wgsl } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import source from '../../shaders/pixel_events.wgsl?raw';
import { constantsKernel } from './define.js';
import { wordsFor } from './pack.js';

export interface PixelEventsKernelParams {
  /** pixels per sample (h * w) */
  pixels: number;
  /** channels per pixel */
  channels: number;
}

/** Event slots per pixel: the channels rounded up to the conv's group of 4 events. */
export function eventSlots(channels: number): number {
  return Math.ceil(channels / 4) * 4;
}

function constants(p: PixelEventsKernelParams): Record<string, number> {
  return { PIXELS: p.pixels, IN_C: p.channels, SLOTS: eventSlots(p.channels), IN_WORDS: wordsFor(p.channels) };
}

export const pixelEvents = constantsKernel<PixelEventsKernelParams>('pixel-events', wgsl(indexLib, source), constants);

export function pixelEventsInvocations(p: PixelEventsKernelParams, n: number): number {
  return n * p.pixels;
}

/** Bytes per sample of the event slots and of the counts. */
export function pixelEventsBytes(p: PixelEventsKernelParams): { events: number; counts: number } {
  return { events: p.pixels * eventSlots(p.channels) * 4, counts: p.pixels * 4 };
}
