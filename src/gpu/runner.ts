// Pipeline cache, buffer pool, dispatch and readback over one GPUDevice.
import { Readback } from './readback.js';
import { kernelVariant, type Binding, type Kernel } from './kernel.js';

export type BufferUsage = 'storage' | 'uniform' | 'readback';

/** Buffers by binding name (an undefined one counts as not given). */
export type Bindings = Readonly<Record<string, GPUBuffer | undefined>>;

/** A pipeline with the layout and bindings of its variant. */
interface Prepared {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  bindings: Binding[];
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
  private pipelines = new Map<string, Prepared>();
  private modules = new Map<string, GPUShaderModule>();
  private layouts = new Map<string, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
  /** per kernel, per params object: its pipeline (see pipeline()) */
  private memo = new WeakMap<object, WeakMap<object, Prepared>>();
  private free = new Map<string, GPUBuffer[]>();
  private live = new Set<GPUBuffer>();
  /** bytes held by buffers handed out or pooled */
  allocatedBytes = 0;

  constructor(device: GPUDevice) {
    this.device = device;
    this.limits = device.limits;
  }

  /**
   * The compute pipeline of a kernel for these params, created once per derived cache key
   * (src/gpu/kernel.ts), with its bind group layout built from the declaration. A params
   * object is remembered (params are immutable), so a template is generated once per object.
   */
  pipeline<P>(kernel: Kernel<P>, params: P): GPUComputePipeline {
    return this.prepared(kernel, params).pipeline;
  }

  private prepared<P>(kernel: Kernel<P>, params: P): Prepared {
    const memo = typeof params === 'object' && params !== null ? this.memo.get(kernel) : undefined;
    const known = memo?.get(params as object);
    if (known) return known;
    const v = kernelVariant(kernel, params);
    let prepared = this.pipelines.get(v.key);
    if (!prepared) {
      let module = this.modules.get(v.sourceKey);
      if (!module) {
        module = this.device.createShaderModule({ code: v.code(), label: `${kernel.name}:module` });
        this.modules.set(v.sourceKey, module);
      }
      const layout = this.layout(v.bindings);
      const pipeline = this.device.createComputePipeline({
        label: `${kernel.name}:${v.key}`,
        layout: layout.pipeline,
        compute: { module, entryPoint: 'main', constants: v.constants },
      });
      prepared = { pipeline, layout: layout.group, bindings: v.bindings };
      this.pipelines.set(v.key, prepared);
    }
    if (typeof params === 'object' && params !== null) {
      if (!memo) this.memo.set(kernel, new WeakMap([[params as object, prepared]]));
      else memo.set(params as object, prepared);
    }
    return prepared;
  }

  /** The bind group and pipeline layouts of a list of bindings, shared by every kernel with the same list of types. */
  private layout(bindings: readonly Binding[]): { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout } {
    const key = bindings.map((b) => b.type).join(',');
    let layout = this.layouts.get(key);
    if (!layout) {
      const group = this.device.createBindGroupLayout({
        label: `layout:${key}`,
        entries: bindings.map((b, binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: b.type } })),
      });
      layout = { group, pipeline: this.device.createPipelineLayout({ label: `layout:${key}`, bindGroupLayouts: [group] }) };
      this.layouts.set(key, layout);
    }
    return layout;
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

  /** Workgroup counts of a kernel's dispatch over `n` units (its declared invocations). */
  workgroups<P>(kernel: Kernel<P>, params: P, n: number): [number, number, number] {
    if (!kernel.invocations) throw new Error(`kernel '${kernel.name}' declares no invocations`);
    return this.grid(kernel.invocations(params, n), kernel.workgroupSize);
  }

  /**
   * Records one dispatch into `encoder`, binding buffers by name: every binding of the
   * kernel's variant must be given, and nothing else.
   */
  dispatch<P>(
    encoder: GPUCommandEncoder,
    kernel: Kernel<P>,
    params: P,
    bindings: Bindings,
    workgroups: [number, number, number],
    label: string,
    timestamps?: GPUComputePassTimestampWrites,
  ): void {
    const prepared = this.prepared(kernel, params);
    const entries = prepared.bindings.map((b, binding) => {
      const buffer = bindings[b.name];
      if (!buffer) throw new Error(`kernel '${kernel.name}' (${label}): binding '${b.name}' is not given`);
      return { binding, resource: { buffer } };
    });
    let given = 0;
    for (const name in bindings) if (bindings[name] !== undefined) given++;
    if (given !== entries.length) {
      const unknown = Object.keys(bindings).filter((name) => bindings[name] !== undefined && !prepared.bindings.some((b) => b.name === name));
      throw new Error(`kernel '${kernel.name}' (${label}): no binding '${unknown.join("', '")}' in this variant (bindings: ${prepared.bindings.map((b) => b.name).join(', ')})`);
    }
    const bindGroup = this.device.createBindGroup({ label: `${label}:bindings`, layout: prepared.layout, entries });
    const pass = encoder.beginComputePass({ label, timestampWrites: timestamps });
    pass.setPipeline(prepared.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(...workgroups);
    pass.end();
  }

  /** Copies `bytes` of a storage buffer back to the CPU (one part of a Readback). */
  async read(buffer: GPUBuffer, bytes: number, label = 'read'): Promise<ArrayBuffer> {
    const readback = new Readback(this, label);
    const part = readback.add(buffer, bytes);
    return readback.map(this.device.createCommandEncoder({ label: `${label}:copy` }), (mapped) => mapped.slice(part.offset, part.offset + bytes));
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
