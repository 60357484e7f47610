// Waiting for the GPU without spending a CPU core on it. Dawn's Node binding (the `webgpu`
// package) polls for completions with setImmediate while a promise it returned (mapAsync,
// onSubmittedWorkDone) is pending: a busy loop on the main thread, which takes a core from
// SwiftShader's workers (measured here: the same dispatch 35% faster, a third less CPU, with the
// polling throttled). While spikemesh awaits such a promise, setImmediate becomes a 1 ms timer;
// clearImmediate follows. In browsers this is a plain await.
import { isNode } from './device.js';

type Immediate = typeof globalThis.setImmediate;
type ClearImmediate = typeof globalThis.clearImmediate;

let depth = 0;
let saved: { set: Immediate; clear: ClearImmediate } | undefined;

function throttle(): void {
  const g = globalThis as { setImmediate: Immediate; clearImmediate: ClearImmediate };
  saved = { set: g.setImmediate, clear: g.clearImmediate };
  const timers = new WeakSet<object>();
  g.setImmediate = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    const t = setTimeout(fn, 1, ...args);
    timers.add(t);
    return t;
  }) as unknown as Immediate;
  const clear = saved.clear;
  g.clearImmediate = ((id: unknown) => {
    if (id && typeof id === 'object' && timers.has(id)) clearTimeout(id as ReturnType<typeof setTimeout>);
    else clear(id as Parameters<ClearImmediate>[0]);
  }) as ClearImmediate;
}

function restore(): void {
  const g = globalThis as { setImmediate: Immediate; clearImmediate: ClearImmediate };
  if (saved) {
    g.setImmediate = saved.set;
    g.clearImmediate = saved.clear;
    saved = undefined;
  }
}

/** Awaits a WebGPU promise; in Node, with Dawn's completion polling throttled meanwhile. */
export async function settle<T>(promise: Promise<T>): Promise<T> {
  if (!isNode || typeof (globalThis as { setImmediate?: unknown }).setImmediate !== 'function') return promise;
  if (depth++ === 0) throttle();
  try {
    return await promise;
  } finally {
    if (--depth === 0) restore();
  }
}
