// Per-pixel event lists (shaders/pixel_events.wgsl): the input of the event-driven conv.
import { wgsl, type Kernel } from '../gpu/kernel.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import source from '../../shaders/pixel_events.wgsl?raw';
import { readOnly, readWrite, uniform, WORKGROUP_SIZE } from './define.js';
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

export function pixelEventsInvocations(p: PixelEventsKernelParams, n: number): number {
  return n * p.pixels;
}

export const pixelEvents: Kernel<PixelEventsKernelParams> = {
  name: 'pixel-events',
  source: wgsl(indexLib, source),
  bindings: [
    uniform('params', 'Params'),
    /** packed u8 input, IN_WORDS words per pixel */
    readOnly('x', 'array<u32>'),
    /** per pixel: SLOTS slots of (channel << 8) | value */
    readWrite('events', 'array<u32>'),
    /** per pixel: the slots in use */
    readWrite('counts', 'array<u32>'),
  ],
  constants,
  workgroupSize: WORKGROUP_SIZE,
  invocations: pixelEventsInvocations,
};

/** Bytes per sample of the event slots and of the counts. */
export function pixelEventsBytes(p: PixelEventsKernelParams): { events: number; counts: number } {
  return { events: p.pixels * eventSlots(p.channels) * 4, counts: p.pixels * 4 };
}
