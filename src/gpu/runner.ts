// Pipeline cache, buffer pool, dispatch and readback over one GPUDevice.
import type { Kernel } from './kernel.js';

export type BufferUsage = 'storage' | 'uniform' | 'readback';

interface PooledBuffer {
  buffer: GPUBuffer;
  usage: BufferUsage;
}

/** Buffers are rounded up to these sizes so the pool can reuse them. */
function bucket(bytes: number): number {
  const b = Math.max(256, bytes);
  const p = 2 ** Math.ceil(Math.log2(b));
  return p <= 1 << 20 ? p : Math.ceil(b / (1 << 20)) * (1 << 20);
}

export class GpuRunner {
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  private pipelines = new Map<string, GPUComputePipeline>();
  private modules = new Map<string, GPUShaderModule>();
  private free = new Map<string, GPUBuffer[]>();
  private live = new Set<GPUBuffer>();
  /** bytes held by buffers handed out or pooled */
  allocatedBytes = 0;

  constructor(device: GPUDevice) {
    this.device = device;
    this.limits = device.limits;
  }

  /** The compute pipeline of a kernel for these parameters, created once per cache key. */
  pipeline<P>(kernel: Kernel<P>, params: P): GPUComputePipeline {
    const key = `${kernel.name}|${kernel.cacheKey(params)}`;
    let pipeline = this.pipelines.get(key);
    if (pipeline) return pipeline;
    const code = typeof kernel.source === 'function' ? kernel.source(params) : kernel.source;
    let module = this.modules.get(code);
    if (!module) {
      module = this.device.createShaderModule({ code, label: `${kernel.name}:module` });
      this.modules.set(code, module);
    }
    pipeline = this.device.createComputePipeline({
      label: `${kernel.name}:${kernel.cacheKey(params)}`,
      layout: 'auto',
      compute: { module, entryPoint: 'main', constants: kernel.constants?.(params) },
    });
    this.pipelines.set(key, pipeline);
    return pipeline;
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  /** A buffer from the pool (contents undefined), at least `bytes` long. */
  acquire(bytes: number, usage: BufferUsage, label: string): GPUBuffer {
    const size = bucket(bytes);
    if (usage !== 'readback' && size > this.limits.maxStorageBufferBindingSize && usage === 'storage') {
      throw new RangeError(
        `buffer '${label}' needs ${bytes} bytes, above this adapter's maxStorageBufferBindingSize (${this.limits.maxStorageBufferBindingSize}); split the batch`,
      );
    }
    const key = `${usage}:${size}`;
    const list = this.free.get(key);
    let buffer = list?.pop();
    if (!buffer) {
      const flags =
        usage === 'storage'
          ? GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST
          : usage === 'uniform'
            ? GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST
            : GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST;
      buffer = this.device.createBuffer({ size, usage: flags, label });
      this.allocatedBytes += size;
    } else {
      buffer.label = label;
    }
    this.live.add(buffer);
    (buffer as GPUBuffer & { __pool?: string }).__pool = key;
    return buffer;
  }

  /** Returns buffers to the pool; call once the queue no longer uses them. */
  release(...buffers: GPUBuffer[]): void {
    for (const b of buffers) {
      if (!this.live.delete(b)) continue;
      const key = (b as GPUBuffer & { __pool?: string }).__pool!;
      let list = this.free.get(key);
      if (!list) this.free.set(key, (list = []));
      list.push(b);
    }
  }

  /** A storage buffer holding `data`. */
  upload(data: ArrayBufferView, label: string): GPUBuffer {
    const buffer = this.acquire(data.byteLength, 'storage', label);
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return buffer;
  }

  /** A uniform buffer holding u32/i32 words. */
  uniform(words: ArrayLike<number>, label: string): GPUBuffer {
    const data = new Uint32Array(Math.max(4, Math.ceil(words.length / 4) * 4));
    for (let i = 0; i < words.length; i++) data[i] = words[i]! >>> 0;
    const buffer = this.acquire(data.byteLength, 'uniform', label);
    this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  /**
   * Workgroup counts for `threads` invocations of a 1D kernel, folded into 2D when they exceed
   * maxComputeWorkgroupsPerDimension. Shaders recover the linear index with lib/index.wgsl.
   */
  grid(threads: number, workgroupSize: number): [number, number, number] {
    const groups = Math.max(1, Math.ceil(threads / workgroupSize));
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    if (groups <= max) return [groups, 1, 1];
    const y = Math.ceil(groups / max);
    if (y > max) throw new RangeError(`dispatch of ${threads} threads exceeds the adapter's workgroup grid`);
    return [Math.ceil(groups / y), y, 1];
  }

  /**
   * Records one dispatch into `encoder`. Bindings are numbered in order, group 0; an undefined
   * one is left out (a binding this variant of the kernel does not use, so its layout lacks it).
   */
  dispatch<P>(
    encoder: GPUCommandEncoder,
    kernel: Kernel<P>,
    params: P,
    bindings: (GPUBuffer | undefined)[],
    workgroups: [number, number, number],
    label: string,
    timestamps?: GPUComputePassTimestampWrites,
  ): void {
    const pipeline = this.pipeline(kernel, params);
    const bindGroup = this.device.createBindGroup({
      label: `${label}:bindings`,
      layout: pipeline.getBindGroupLayout(0),
      entries: bindings.flatMap((buffer, binding) => (buffer ? [{ binding, resource: { buffer } }] : [])),
    });
    const pass = encoder.beginComputePass({ label, timestampWrites: timestamps });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(...workgroups);
    pass.end();
  }

  /** Copies `bytes` of a storage buffer back to the CPU. */
  async read(buffer: GPUBuffer, bytes: number, label = 'readback'): Promise<ArrayBuffer> {
    const staging = this.acquire(bytes, 'readback', `${label}:staging`);
    const enc = this.device.createCommandEncoder({ label: `${label}:copy` });
    enc.copyBufferToBuffer(buffer, 0, staging, 0, Math.ceil(bytes / 4) * 4);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ, 0, Math.ceil(bytes / 4) * 4);
    const copy = staging.getMappedRange(0, Math.ceil(bytes / 4) * 4).slice(0, bytes);
    staging.unmap();
    this.release(staging);
    return copy;
  }

  /** Runs `fn` inside validation and out-of-memory error scopes and throws what they catch. */
  async checked<T>(what: string, fn: () => Promise<T> | T): Promise<T> {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    let result: T;
    try {
      result = await fn();
    } finally {
      const validation = await this.device.popErrorScope();
      const oom = await this.device.popErrorScope();
      if (validation) throw new Error(`${what}: WebGPU validation error: ${validation.message}`);
      if (oom) throw new Error(`${what}: GPU out of memory: ${oom.message}; use a smaller batch`);
    }
    return result;
  }

  /** Frees every pooled buffer (the device stays usable). */
  dispose(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    for (const b of this.live) b.destroy();
    this.free.clear();
    this.live.clear();
    this.allocatedBytes = 0;
  }
}
