// The one way results come back from the GPU: the buffers (or parts of them) a submission
// produced are copied into one staging buffer at 8-byte aligned offsets, mapped once, and read
// as views of the mapped range. Waiting goes through settle(): Dawn's Node binding otherwise
// polls for the map on the main thread, taking a core from a CPU adapter's workers.
import type { GpuRunner } from './runner.js';
import { settle } from './settle.js';

/** Where one part lies in the mapped staging range. */
export interface ReadPart {
  offset: number;
  bytes: number;
}

export class Readback {
  private readonly parts: (ReadPart & { src: GPUBuffer })[] = [];
  private total = 0;

  constructor(private readonly runner: GpuRunner, private readonly label: string) {}

  /** Asks for the first `bytes` of `src`; the part is valid inside `map`'s callback. */
  add(src: GPUBuffer, bytes: number): ReadPart {
    const part = { src, offset: this.total, bytes };
    this.parts.push(part);
    // 8-byte offsets: timestamps are read as BigUint64Array views
    this.total += Math.ceil(bytes / 8) * 8;
    return part;
  }

  /**
   * Records the copies at the end of `encoder`, submits it, waits for the map and calls `use`
   * with the mapped range (valid only during the call); the staging buffer goes back to the pool.
   */
  async map<T>(encoder: GPUCommandEncoder, use: (mapped: ArrayBuffer) => T): Promise<T> {
    const { runner } = this;
    const size = Math.max(8, this.total);
    const staging = runner.acquire(size, 'readback', `${this.label}:readback`);
    try {
      // copy sizes must be multiples of 4; the parts' slots are rounded up to 8
      for (const p of this.parts) encoder.copyBufferToBuffer(p.src, 0, staging, p.offset, Math.ceil(p.bytes / 4) * 4);
      runner.device.queue.submit([encoder.finish()]);
      await settle(staging.mapAsync(GPUMapMode.READ, 0, size));
      try {
        return use(staging.getMappedRange(0, size));
      } finally {
        staging.unmap();
      }
    } finally {
      runner.release(staging);
    }
  }
}
