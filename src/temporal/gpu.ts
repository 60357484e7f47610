// The time-parallel temporal pipeline on WebGPU (docs/temporal.md). Per chunk of samples and
// of timesteps, layer after layer: the synaptic input of every (step, sample) frame in one
// dispatch (temporal_conv), then the membrane scan over the steps with one invocation per
// neuron word (temporal_scan), then max pooling over spike counts (temporal_maxpool) and the
// per-frame statistics (temporal_stats). Membranes, pooling counts and readouts persist across
// step chunks on the GPU, so memory is bounded by the chunk, not by T x N.
// It must equal src/temporal/simulate.ts bit for bit (test/gpu/temporal-*.test.ts).
import { type GpuRunner } from '../gpu/runner.js';
import { packTemporalWeights, paddedChannels, spikeWords, temporalConv, type TemporalConvParams } from '../kernels/temporal-conv.js';
import { temporalEncodeRate, type EncodeRateParams } from '../kernels/temporal-encode-rate.js';
import { MAX_POOL_AREA, maxPoolCountBytes, temporalMaxPool, type TemporalMaxPoolParams } from '../kernels/temporal-maxpool.js';
import { temporalScan, type TemporalScanParams } from '../kernels/temporal-scan.js';
import { temporalStats } from '../kernels/temporal-stats.js';
import { shapeSize, windowGeometry } from '../ir/shapes.js';
import type { IntBatch, Shape3 } from '../ir/types.js';
import { checkNet, normaliseCheckpoints, readoutUnits } from './net.js';
import { poolAndActivate } from '../reference/pool.js';
import { charge, current, fire, reset, VMAX } from './neuron.js';
import { checkInput, emptyReadouts, emptyRecording, emptyStats, fanOuts, recordedNeurons } from './simulate.js';
import type { SpikingLayer, SpikingNet, TemporalOptions, TemporalRecording, TemporalResult } from './types.js';

export interface GpuTemporalOptions {
  /** the largest buffer a chunk may use, in bytes (default 32 MiB, at most the adapter's binding limit) */
  chunkBytes?: number;
  /** caps on the chunk (tests use them to exercise chunk boundaries) */
  maxSamplesPerChunk?: number;
  maxStepsPerChunk?: number;
}

export interface ChunkPlan {
  /** samples per chunk */
  samples: number;
  /** timesteps per chunk */
  steps: number;
}

interface TemporalLayerPlan {
  layer: SpikingLayer;
  conv: TemporalConvParams;
  scan: Omit<TemporalScanParams, 'constInput' | 'record' | 'resetZero'>;
  pool: TemporalMaxPoolParams | null;
  neurons: number;
  /** neurons per sample with channels padded to whole tiles (the GPU state layout) */
  padded: number;
  /** words per frame of its spikes, before and after max pooling */
  spikeWords: number;
  outWords: number;
  /** values per frame of its synaptic input (channels padded to whole tiles) */
  potential: number;
}

const DEFAULT_CHUNK_BYTES = 32 * 1024 * 1024;

function pixelWords(s: Shape3): number {
  return s[0] * s[1] * spikeWords(s[2]);
}

function convParams(layer: SpikingLayer, values: boolean): TemporalConvParams {
  const s = layer.synapse;
  const [ih, iw, cin] = layer.input;
  return {
    inH: ih, inW: iw, cin, kernel: s.kernel, stride: s.stride,
    padTop: windowGeometry(ih, s.kernel[0], s.stride, s.padding).padBefore,
    padLeft: windowGeometry(iw, s.kernel[1], s.stride, s.padding).padBefore,
    outH: layer.potential[0], outW: layer.potential[1], cout: s.filters, values,
  };
}

function planLayer(layer: SpikingLayer): TemporalLayerPlan {
  const [h, w, c] = layer.neuronShape;
  const sum = layer.sumPool;
  const window: [number, number] = !sum ? [1, 1] : sum.type === 'average' ? sum.size : [layer.potential[0], layer.potential[1]];
  const windowStride: [number, number] = sum?.type === 'average' ? sum.stride : [1, 1];
  let pool: TemporalMaxPoolParams | null = null;
  if (layer.maxPool) {
    const mp = layer.maxPool;
    if (mp.size[0] * mp.size[1] > MAX_POOL_AREA) {
      throw new Error(`layer '${layer.name}': max pooling window ${mp.size[0]}x${mp.size[1]} is larger than the GPU kernel's ${MAX_POOL_AREA} positions`);
    }
    pool = {
      ih: h, iw: w, c, oh: layer.output[0], ow: layer.output[1], size: mp.size, stride: mp.stride,
      padTop: windowGeometry(h, mp.size[0], mp.stride[0], mp.padding).padBefore,
      padLeft: windowGeometry(w, mp.size[1], mp.stride[1], mp.padding).padBefore,
    };
  }
  return {
    layer,
    conv: convParams(layer, false),
    scan: { h, w, c, ph: layer.potential[0], pw: layer.potential[1], window, windowStride, fires: layer.neurons.theta !== null },
    pool,
    neurons: h * w * c,
    padded: h * w * paddedChannels(c),
    spikeWords: pixelWords(layer.neuronShape),
    outWords: pixelWords(layer.output),
    potential: layer.potential[0] * layer.potential[1] * paddedChannels(layer.potential[2]),
  };
}

export class GpuSpikingNet {
  readonly net: SpikingNet;
  private readonly runner: GpuRunner;
  private readonly plans: TemporalLayerPlan[];
  private readonly weights: GPUBuffer[];
  private readonly bias: GPUBuffer[];
  private readonly theta: GPUBuffer[];
  private readonly fanout: GPUBuffer[];
  private readonly inputFanout: GPUBuffer;
  /** stand-ins for the readout bindings of non-readout layers (distinct: writable bindings must not alias) */
  private readonly dummies: GPUBuffer[];
  private readonly chunkBytes: number;
  private readonly opts: GpuTemporalOptions;

  constructor(runner: GpuRunner, net: SpikingNet, opts: GpuTemporalOptions = {}) {
    this.runner = runner;
    this.net = checkNet(net);
    this.opts = opts;
    this.chunkBytes = Math.min(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES, runner.limits.maxStorageBufferBindingSize);
    this.plans = net.layers.map(planLayer);
    const fans = fanOuts(net);
    this.weights = net.layers.map((l) => runner.upload(
      packTemporalWeights(l.synapse.weights, l.synapse.kernel, l.input[2], l.synapse.filters, l.synapse.flipped), `temporal:${l.name}:weights`));
    // per-channel tables padded to whole tiles: padded channels get no input and never fire
    const pad = (a: Int32Array, fill: number) => {
      const out = new Int32Array(paddedChannels(a.length)).fill(fill);
      out.set(a);
      return out;
    };
    this.bias = net.layers.map((l) => runner.upload(pad(l.neurons.bias, 0), `temporal:${l.name}:bias`));
    this.theta = net.layers.map((l) => runner.upload(pad(l.neurons.theta ?? new Int32Array(l.neuronShape[2]), VMAX), `temporal:${l.name}:theta`));
    this.fanout = net.layers.map((l, k) => runner.upload(fans.layers[k]!, `temporal:${l.name}:fanout`));
    this.inputFanout = runner.upload(fans.input, 'temporal:input:fanout');
    this.dummies = [0, 1, 2].map((i) => runner.upload(new Int32Array(4), `temporal:unused-${i}`));
  }

  /**
   * Samples and steps per chunk: every buffer within chunkBytes, at least 32 steps per chunk
   * when T allows (fewer, larger dispatches), then as many samples as fit. With a constant
   * input the first layer's synaptic input is per sample, not per frame.
   */
  plan(n: number, timesteps: number, checkpoints: number, constantInput = false): ChunkPlan {
    const net = this.net;
    const inSize = shapeSize(net.input.shape);
    const L = this.plans.length;
    const rows = 1 + 2 * L;
    const perFrame = Math.max(
      pixelWords(net.input.shape) * 4,
      rows * 8,
      ...this.plans.map((p, k) => Math.max(k === 0 && constantInput ? 0 : p.potential, p.spikeWords, p.outWords) * 4),
    );
    const perSample = Math.max(
      inSize * 4,
      this.plans[0]!.potential * 4,
      this.plans[L - 1]!.padded * 3 * 4 * Math.max(1, checkpoints),
      ...this.plans.map((p) => Math.max(p.padded * 4, p.pool ? maxPoolCountBytes(p.pool, 1) : 0)),
    );
    const budget = this.chunkBytes;
    if (perSample > budget || perFrame > budget) {
      throw new Error(`one sample needs ${Math.max(perSample, perFrame)} bytes in a buffer, above the chunk limit ${budget}`);
    }
    const maxSteps = Math.min(timesteps, this.opts.maxStepsPerChunk ?? Infinity);
    const minSteps = Math.min(maxSteps, 32);
    const samples = Math.max(1, Math.min(n, this.opts.maxSamplesPerChunk ?? Infinity, Math.floor(budget / perSample),
      Math.floor(budget / (perFrame * minSteps))));
    const steps = Math.max(1, Math.min(maxSteps, Math.floor(budget / (samples * perFrame))));
    return { samples, steps };
  }

  async run(input: IntBatch, opts: TemporalOptions): Promise<TemporalResult> {
    const net = this.net;
    const runner = this.runner;
    const device = runner.device;
    checkInput(net, input);
    const T = opts.timesteps;
    const checkpoints = normaliseCheckpoints(opts.checkpoints, T);
    const encoding = opts.encoding ?? { kind: 'constant' };
    const rate = encoding.kind === 'poisson';
    const resetZero = (opts.reset ?? 'subtract') === 'zero';
    const sampleOffset = opts.sampleOffset ?? 0;
    const L = this.plans.length;
    const units = readoutUnits(net);
    const lastPlan = this.plans[L - 1]!;
    const inSize = shapeSize(net.input.shape);
    const [ih, iw, ic] = net.input.shape;
    const maxInput = net.input.maxInput;
    const records = emptyReadouts(checkpoints, input.n, units);
    const stats = emptyStats(net, T, !rate);
    // a recording reads the readout layer at every step (checkpoints 1..T; the asked ones are
    // picked from them), the recorded layer's spike words after each chunk of steps, and the
    // readout layer's synaptic input, through which its membrane is followed (recordMembrane)
    const recNeurons = opts.record ? recordedNeurons(net, opts.record) : null;
    const recording = recNeurons ? emptyRecording(opts.record!.layer, recNeurons, T, input.n, units) : undefined;
    const runCheckpoints = recording ? Array.from({ length: T }, (_, t) => t + 1) : checkpoints;
    const { samples: nc, steps: tc } = this.plan(input.n, T, runCheckpoints.length, !rate);
    const frames = nc * tc;

    // chunk buffers
    const held: GPUBuffer[] = [];
    const buf = (bytes: number, label: string): GPUBuffer => {
      const b = runner.acquire(Math.max(16, bytes), 'storage', `temporal:${label}`);
      held.push(b);
      return b;
    };
    const xBuf = buf(nc * inSize * 4, 'input');
    const inSpikes = buf(frames * pixelWords(net.input.shape) * 4, 'input-spikes');
    const constSyn = rate ? null : buf(nc * this.plans[0]!.potential * 4, 'constant-current');
    const syn = buf(frames * Math.max(0, ...this.plans.map((p, k) => (k === 0 && !rate ? 0 : p.potential))) * 4, 'synaptic');
    const v = this.plans.map((p) => buf(nc * p.padded * 4, `${p.layer.name}:membrane`));
    const spikes = this.plans.map((p) => buf(frames * p.spikeWords * 4, `${p.layer.name}:spikes`));
    const pooled = this.plans.map((p) => (p.pool ? buf(frames * p.outWords * 4, `${p.layer.name}:pooled`) : null));
    const poolCounts = this.plans.map((p) => (p.pool ? buf(maxPoolCountBytes(p.pool, nc), `${p.layer.name}:pool-counts`) : null));
    const readout = buf(nc * lastPlan.padded * 3 * 4, 'readout');
    const ckptBuf = runner.upload(Uint32Array.from(runCheckpoints), 'temporal:checkpoints');
    held.push(ckptBuf);
    const recBuf = buf(runCheckpoints.length * nc * lastPlan.padded * 3 * 4, 'records');
    const rows = 1 + 2 * L;
    const statsBuf = buf(rows * frames * 8, 'stats');
    // kernel params made once per run: the runner knows a params object's pipeline, so the
    // scan's template is generated once, not per dispatch
    const scanParams = this.plans.map((p, k): TemporalScanParams => ({ ...p.scan, constInput: k === 0 && !rate, record: k === L - 1, resetZero }));
    const statsParams = new Map<Shape3, { hw: number; c: number }>();
    const statsParamsOf = (shape: Shape3) => statsParams.get(shape) ?? statsParams.set(shape, { hw: shape[0] * shape[1], c: shape[2] }).get(shape)!;

    try {
      for (let s0 = 0; s0 < input.n; s0 += nc) {
        const m = Math.min(nc, input.n - s0);
        // inputs clipped to 0..maxInput (both encodings), states reset
        const x = new Uint32Array(m * inSize);
        for (let i = 0; i < x.length; i++) x[i] = Math.min(input.data[s0 * inSize + i]!, maxInput);
        device.queue.writeBuffer(xBuf, 0, x);
        this.plans.forEach((p, k) => {
          const cp = paddedChannels(p.layer.neuronShape[2]);
          const v0 = p.layer.neurons.v0;
          device.queue.writeBuffer(v[k]!, 0, Int32Array.from({ length: m * p.padded }, (_, j) => v0[j % cp] ?? 0));
        });
        // readout state per group of 4 channels: count, charge, first spike (-1: none yet)
        const initial = new Int32Array(m * lastPlan.padded * 3);
        for (let j = 0; j < initial.length; j += 12) initial.fill(-1, j + 8, j + 12);
        device.queue.writeBuffer(readout, 0, initial);
        const setup = device.createCommandEncoder({ label: 'temporal:setup' });
        const uniforms: GPUBuffer[] = [];
        const uni = (words: number[], label: string) => {
          const u = runner.uniform(words, `temporal:${label}`);
          uniforms.push(u);
          return u;
        };
        this.plans.forEach((p, k) => {
          if (!p.pool) return;
          setup.clearBuffer(poolCounts[k]!);
        });
        if (!rate) {
          // the constant current: the first layer's convolution of the integer input, once per sample
          const cp = convParams(this.plans[0]!.layer, true);
          runner.dispatch(setup, temporalConv, cp, { dyn: uni([m], 'const:dyn'), spikes: xBuf, weights: this.weights[0]!, syn: constSyn! },
            runner.workgroups(temporalConv, cp, m), `temporal:${this.plans[0]!.layer.name}:constant-current`);
        }
        device.queue.submit([setup.finish()]);
        // the readout layer's membranes of this chunk's samples, followed on the CPU when recording
        const membrane = recording ? Int32Array.from({ length: m * units }, (_, j) => lastPlan.layer.neurons.v0[j % lastPlan.layer.neuronShape[2]]!) : null;

        for (let t0 = 0; t0 < T; t0 += tc) {
          const k0 = Math.min(tc, T - t0);
          const f = k0 * m;
          const enc = device.createCommandEncoder({ label: `temporal:steps ${t0}..${t0 + k0 - 1}` });
          const statsOf = (row: number, src: GPUBuffer, shape: Shape3, fan: GPUBuffer) => {
            const st = statsParamsOf(shape);
            runner.dispatch(enc, temporalStats, st, { dyn: uni([f, row * f], 'stats:dyn'), spikes: src, fanout: fan, out: statsBuf },
              runner.workgroups(temporalStats, st, f), `temporal:stats:${row}`);
          };
          if (rate && encoding.kind === 'poisson') {
            const ep: EncodeRateParams = { hw: ih * iw, c: ic, maxInput };
            runner.dispatch(enc, temporalEncodeRate, ep, { dyn: uni([m, k0, t0, sampleOffset + s0, encoding.seed >>> 0], 'rate:dyn'), x: xBuf, spikes: inSpikes },
              runner.workgroups(temporalEncodeRate, ep, f), 'temporal:encode-rate');
            statsOf(0, inSpikes, net.input.shape, this.inputFanout);
          }
          let src = inSpikes;
          this.plans.forEach((p, k) => {
            const name = p.layer.name;
            const constant = k === 0 && !rate;
            if (!constant) {
              runner.dispatch(enc, temporalConv, p.conv, { dyn: uni([f], `${name}:conv:dyn`), spikes: src, weights: this.weights[k]!, syn },
                runner.workgroups(temporalConv, p.conv, f), `temporal:${name}:synaptic`);
            }
            const sp = scanParams[k]!;
            const gain = k === 0 && rate ? p.layer.neurons.gain * maxInput : p.layer.neurons.gain;
            const last = k === L - 1;
            runner.dispatch(enc, temporalScan, sp, {
              dyn: uni([m, k0, t0, gain, runCheckpoints.length], `${name}:scan:dyn`), syn: constant ? constSyn! : syn, bias: this.bias[k]!, theta: this.theta[k]!,
              v: v[k]!, spikes: spikes[k]!,
              // only the readout layer records; the others bind small dummies
              readout: last ? readout : this.dummies[0]!, checkpoints: last ? ckptBuf : this.dummies[1]!, records: last ? recBuf : this.dummies[2]!,
            }, runner.workgroups(temporalScan, sp, m), `temporal:${name}:scan`);
            statsOf(1 + 2 * k, spikes[k]!, p.layer.neuronShape, this.fanout[k]!);
            src = spikes[k]!;
            if (p.pool) {
              runner.dispatch(enc, temporalMaxPool, p.pool, { dyn: uni([m, k0], `${name}:pool:dyn`), spikes: spikes[k]!, counts: poolCounts[k]!, pooled: pooled[k]! },
                runner.workgroups(temporalMaxPool, p.pool, m), `temporal:${name}:maxpool`);
              statsOf(2 + 2 * k, pooled[k]!, p.layer.output, this.fanout[k]!);
              src = pooled[k]!;
            }
          });
          device.queue.submit([enc.finish()]);
          const words = new Uint32Array(await runner.read(statsBuf, rows * f * 8, 'temporal:stats'));
          runner.release(...uniforms.splice(0));
          const add = (row: number, into: Float64Array, which: 0 | 1) => {
            for (let j = 0; j < f; j++) into[t0 + Math.floor(j / m)]! += words[(row * f + j) * 2 + which]!;
          };
          if (rate) {
            add(0, stats.input.spikes, 0);
            add(0, stats.input.synops, 1);
          }
          this.plans.forEach((p, k) => {
            add(1 + 2 * k, stats.layers[k]!.spikes, 0);
            add(p.pool ? 2 + 2 * k : 1 + 2 * k, stats.layers[k]!.synops, 1);
          });
          if (recording) {
            const rp = this.plans[recording.layer]!;
            const words = new Uint32Array(await runner.read(spikes[recording.layer]!, f * rp.spikeWords * 4, 'temporal:recorded-spikes'));
            unpackRecorded(recording, rp, words, input.n, s0, m, t0, k0);
            const lastConstant = L === 1 && !rate;
            const synSrc = lastConstant ? constSyn! : syn;
            const frames = lastConstant ? m : f;
            const values = new Int32Array(await runner.read(synSrc, frames * lastPlan.potential * 4, 'temporal:readout-synaptic'));
            const gain = L === 1 && rate ? lastPlan.layer.neurons.gain * maxInput : lastPlan.layer.neurons.gain;
            recordMembrane(recording, lastPlan.layer, values, membrane!, gain, lastConstant, resetZero, s0, m, t0, k0);
          }
        }
        // records [checkpoint][sample][position][group of 4 channels] x (count, charge, first) x 4
        const rec = new Int32Array(await runner.read(recBuf, runCheckpoints.length * m * lastPlan.padded * 12, 'temporal:records'));
        const c = lastPlan.layer.neuronShape[2];
        const cp = paddedChannels(c);
        // records[i] is the i-th run checkpoint: the asked ones, or every step when recording
        const targets = recording ? recording.steps : records;
        targets.forEach((r, ci) => {
          for (let j = 0; j < m * units; j++) {
            const pos = Math.floor(j / c), ch = j % c;
            const i = ((ci * m * lastPlan.padded + pos * cp + (ch - (ch % 4))) * 3) + (ch % 4);
            const o = s0 * units + j;
            r.count[o] = rec[i]!;
            r.charge[o] = rec[i + 4]!;
            r.firstSpike[o] = rec[i + 8]!;
          }
        });
        if (recording) {
          for (const r of records) {
            const step = recording.steps[r.t - 1]!;
            const span = [s0 * units, (s0 + m) * units] as const;
            r.count.set(step.count.subarray(...span), span[0]);
            r.charge.set(step.charge.subarray(...span), span[0]);
            r.firstSpike.set(step.firstSpike.subarray(...span), span[0]);
          }
        }
      }
    } finally {
      runner.release(...held);
    }
    return { n: input.n, units, checkpoints: records, stats, ...(recording && { recording }) };
  }

  /** Gives the net's weight and table buffers back to the runner's pool. */
  dispose(): void {
    this.runner.release(...this.weights, ...this.bias, ...this.theta, ...this.fanout, this.inputFanout, ...this.dummies);
  }
}

/** Copies the recorded neurons' bits of a chunk's spike words ([tt][sample][pixel][word]) into the recording. */
function unpackRecorded(rec: TemporalRecording, p: TemporalLayerPlan, words: Uint32Array, n: number, s0: number, m: number, t0: number, k0: number): void {
  const c = p.layer.neuronShape[2];
  const W = spikeWords(c);
  const J = rec.neurons.length;
  for (let tt = 0; tt < k0; tt++) {
    for (let s = 0; s < m; s++) {
      const frame = (tt * m + s) * p.spikeWords;
      const at = ((t0 + tt) * n + s0 + s) * J;
      for (let j = 0; j < J; j++) {
        const i = rec.neurons[j]!;
        const pix = Math.floor(i / c), ch = i % c;
        rec.spikes[at + j] = (words[frame + pix * W + (ch >> 5)]! >>> (ch & 31)) & 1;
      }
    }
  }
}

/**
 * The readout layer's membranes over a chunk of steps, from the synaptic input the GPU computed
 * for it (its [frame][position][padded channels] buffer): the integrate-and-fire recurrence of
 * the reference (neuron.ts) over its few neurons, on the CPU. The GPU's scan keeps v in
 * registers and writes only spikes and readouts; this reproduces v exactly from the same input.
 */
function recordMembrane(
  rec: TemporalRecording, layer: SpikingLayer, values: Int32Array, v: Int32Array, gain: number,
  constant: boolean, resetZero: boolean, s0: number, m: number, t0: number, k0: number,
): void {
  const [ph, pw, pc] = layer.potential;
  const cp = paddedChannels(pc);
  const c = layer.neuronShape[2];
  const units = v.length / m;
  const { bias, theta } = layer.neurons;
  const frameInput = (frame: number): Int32Array => {
    const p = new Int32Array(ph * pw * pc);
    for (let pos = 0; pos < ph * pw; pos++) {
      for (let ch = 0; ch < pc; ch++) p[pos * pc + ch] = values[(frame * ph * pw + pos) * cp + ch]!;
    }
    return layer.sumPool ? poolAndActivate(p, layer.potential, layer.sumPool, null) : p;
  };
  const constantInputs = constant ? Array.from({ length: m }, (_, s) => frameInput(s)) : null;
  for (let tt = 0; tt < k0; tt++) {
    const out = rec.steps[t0 + tt]!.membrane;
    for (let s = 0; s < m; s++) {
      const I = constantInputs ? constantInputs[s]! : frameInput(tt * m + s);
      for (let j = 0; j < units; j++) {
        const ch = j % c;
        let vj = charge(v[s * units + j]!, current(gain, I[j]!, bias[ch]!));
        if (theta && fire(vj, theta[ch]!)) vj = reset(vj, theta[ch]!, resetZero ? 'zero' : 'subtract');
        v[s * units + j] = vj;
      }
      out.set(v.subarray(s * units, (s + 1) * units), (s0 + s) * units);
    }
  }
}

/** Runs a spiking net on the GPU (convenience wrapper around GpuSpikingNet). */
export async function simulateGpu(runner: GpuRunner, net: SpikingNet, input: IntBatch, opts: TemporalOptions, gpuOpts?: GpuTemporalOptions): Promise<TemporalResult> {
  const g = new GpuSpikingNet(runner, net, gpuOpts);
  try {
    return await runner.checked('temporal simulation', () => g.run(input, opts));
  } finally {
    g.dispose();
  }
}

