// The adapter's integer multiply-add peak, measured in the same run as the kernels it is
// compared with: a WGSL kernel where every invocation updates `acc = acc * m + c` on many
// independent accumulators (no loads in the loop, no dependency chain longer than one
// accumulator), timed with timestamp queries. Several accumulator shapes are tried (scalar i32,
// vec4<i32>) because what saturates a CPU adapter's SIMD units differs from a GPU's; the best
// rate is the peak. One multiply-add counts as one op (the convolution rates use the same unit).
import type { GpuRunner } from '../src/gpu/runner.js';
import type { Kernel } from '../src/gpu/kernel.js';
import { settle } from '../src/gpu/settle.js';
import { fillMarkers } from '../src/kernels/template.js';

export interface PeakVariant {
  /** WGSL type of an accumulator */
  type: 'i32' | 'vec4<i32>';
  /** independent accumulators per invocation */
  accumulators: number;
}

interface PeakParams extends PeakVariant {
  iterations: number;
}

/** The multiply-add kernel; `m` and `c` come from a uniform so nothing folds. */
const peakTemplate = `
override ITERATIONS: u32;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = gid.y * groups.x * 64u + gid.x;
  let seed = i32(index);
//@INIT
  for (var i = 0u; i < ITERATIONS; i++) {
//@BODY
  }
//@SINK
}
`;

/** The accumulators of one variant, unrolled at the template's markers. */
function peakSource(p: PeakParams, source: string): string {
  const init = Array.from({ length: p.accumulators }, (_, k) =>
    `  var a${k} = ${p.type}(${p.type === 'i32' ? `seed + ${k}` : `seed + ${4 * k}, seed + ${4 * k + 1}, seed + ${4 * k + 2}, seed + ${4 * k + 3}`});`);
  const body = Array.from({ length: p.accumulators }, (_, k) => `    a${k} = a${k} * m + c;`);
  const sum = Array.from({ length: p.accumulators }, (_, k) => (p.type === 'i32' ? `a${k}` : `dot(a${k}, vec4<i32>(1))`)).join(' + ');
  return fillMarkers('int-peak', source, {
    INIT: [`  let m = ${p.type}(k.x);`, `  let c = ${p.type}(k.y);`, ...init].join('\n'),
    BODY: body.join('\n'),
    // keeps every accumulator live
    SINK: `  sink[index] = ${sum};`,
  });
}

const peakKernel: Kernel<PeakParams> = {
  name: 'int-peak',
  source: peakTemplate,
  generate: peakSource,
  bindings: [
    { name: 'k', type: 'uniform', wgslType: 'vec4<i32>' },
    { name: 'sink', type: 'storage', wgslType: 'array<i32>' },
  ],
  constants: (p) => ({ ITERATIONS: p.iterations }),
  workgroupSize: 64,
};

export interface PeakMeasurement extends PeakVariant {
  /** multiply-adds per second (best of the runs) */
  macsPerSecond: number;
  macs: number;
  bestNs: number;
}

export interface PeakResult {
  /** the best variant's multiply-adds per second */
  macsPerSecond: number;
  best: PeakMeasurement;
  variants: PeakMeasurement[];
}

// More accumulators than the CPU adapter has SIMD registers spill (16 x vec4 ran at a tenth).
export const PEAK_VARIANTS: PeakVariant[] = [
  { type: 'i32', accumulators: 8 },
  { type: 'i32', accumulators: 12 },
  { type: 'i32', accumulators: 16 },
  { type: 'vec4<i32>', accumulators: 2 },
  { type: 'vec4<i32>', accumulators: 3 },
  { type: 'vec4<i32>', accumulators: 4 },
];

export interface PeakOptions {
  variants?: PeakVariant[];
  /** invocations per dispatch (default 16,384) */
  invocations?: number;
  /** loop trips per invocation (default 512) */
  iterations?: number;
  /** timed dispatches per variant after one warm-up; the fastest counts (default 5) */
  runs?: number;
}

/** Measures every variant on the runner's device; needs the timestamp-query feature. */
export async function measureIntPeak(runner: GpuRunner, opts: PeakOptions = {}): Promise<PeakResult> {
  const device = runner.device;
  if (!device.features.has('timestamp-query')) throw new Error('the integer peak needs the timestamp-query feature, which this device lacks');
  const invocations = opts.invocations ?? 16384;
  const iterations = opts.iterations ?? 512;
  const runs = opts.runs ?? 5;
  const k = runner.uniform([3, 7], 'int-peak:constants');
  const sink = runner.acquire(invocations * 4, 'storage', 'int-peak:sink');
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2, label: 'int-peak:timestamps' });
  const resolve = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, label: 'int-peak:resolve' });
  const variants: PeakMeasurement[] = [];
  try {
    for (const v of opts.variants ?? PEAK_VARIANTS) {
      const params: PeakParams = { ...v, iterations };
      const macs = invocations * iterations * v.accumulators * (v.type === 'i32' ? 1 : 4);
      let bestNs = Infinity;
      for (let r = 0; r <= runs; r++) {
        const ns = await runner.checked(`int-peak ${v.accumulators} x ${v.type}`, async () => {
          const encoder = device.createCommandEncoder({ label: 'int-peak' });
          runner.dispatch(encoder, peakKernel, params, { k, sink }, runner.grid(invocations, 64), 'int-peak',
            { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 });
          encoder.resolveQuerySet(querySet, 0, 2, resolve, 0);
          const staging = runner.acquire(16, 'readback', 'int-peak:readback');
          encoder.copyBufferToBuffer(resolve, 0, staging, 0, 16);
          device.queue.submit([encoder.finish()]);
          await settle(staging.mapAsync(GPUMapMode.READ, 0, 16));
          const t = new BigUint64Array(staging.getMappedRange(0, 16).slice(0));
          staging.unmap();
          runner.release(staging);
          return Number(t[1]! - t[0]!);
        });
        if (r > 0 && ns > 0) bestNs = Math.min(bestNs, ns); // run 0 compiles and warms up
      }
      variants.push({ ...v, macs, bestNs, macsPerSecond: (macs / bestNs) * 1e9 });
    }
  } finally {
    querySet.destroy();
    resolve.destroy();
    runner.release(k, sink);
  }
  const best = variants.reduce((a, b) => (b.macsPerSecond > a.macsPerSecond ? b : a));
  return { macsPerSecond: best.macsPerSecond, best, variants };
}
