// Throughput and energy ESTIMATES of a mapped model from its per-NP statistics and the
// device's cost parameters. A simple documented model (docs/mesh.md, "Cost model"), not a
// measurement: within a pass all NPs work concurrently and the busiest one sets the time.
import { inferShapes, shapeSize } from '../ir/shapes.js';
import type { Layer, ModelSpec, Shape3 } from '../ir/types.js';
import { denseOps } from './map-parts.js';
import type { MappingPlan } from './map.js';
import type { CostModel, DeviceSpec } from './mesh.js';
import type { PlanStats } from './stats.js';

export interface PassCost {
  sequence: number;
  pass: number;
  /** seconds per frame: the busiest unit's cycles over the clock */
  seconds: number;
  /** the busiest unit: an NP id, or 'input-block' */
  bottleneck: { unit: 'np' | 'input-block'; np: number | null; layer: number; cycles: number };
}

export interface CostEstimate {
  /** always 'estimate': these are model outputs, not measurements */
  label: 'estimate';
  device: string;
  /** frames the statistics covered */
  frames: number;
  /** frames sharing one program load when the plan needs several programs */
  batch: number;
  /** per frame */
  seconds: {
    host: number;
    transfer: number;
    device: number;
    reload: number;
    software: number;
    total: number;
  };
  framesPerSecond: number;
  /** the NP compute bound alone: 1 / seconds.device */
  deviceFramesPerSecond: number;
  /** per frame, joules */
  energy: {
    static: number;
    synOps: number;
    events: number;
    reload: number;
    total: number;
  };
  /** per frame, on hardware units */
  synOps: number;
  events: number;
  passes: PassCost[];
  params: CostModel;
}

export interface CostOptions {
  /** frames per program load (default 1: every frame reloads when several programs are needed) */
  batch?: number;
}

/** Bytes of a tensor of `bits`-bit values (potentials: 32 bits). */
function tensorBytes(shape: Shape3, bits: number): number {
  return Math.ceil((shapeSize(shape) * bits) / 8);
}

function outputBits(layer: Layer): number {
  if (layer.kind === 'InputData') return layer.inputBits;
  return layer.activation ? layer.activation.bits : 32;
}

/** The estimate for one frame (averaged over the frames of `stats`). */
export function estimateCost(plan: MappingPlan, model: ModelSpec, stats: PlanStats, device: DeviceSpec, options: CostOptions = {}): CostEstimate {
  if (plan.device !== device.name) throw new RangeError(`the plan is for ${plan.device}, not ${device.name}`);
  const p = device.cost;
  const batch = options.batch ?? 1;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`batch is ${batch}, expected an integer >= 1`);
  const frames = Math.max(stats.frames, 1);
  const shapes = inferShapes(model.layers);
  const outShape = (k: number) => shapes.inputs[k + 1] ?? shapes.output;

  // the busiest unit of every hardware pass
  const passes = new Map<string, PassCost>();
  let synOps = 0;
  let events = 0;
  for (const s of stats.parts) {
    if (s.unit === 'host') continue;
    synOps += s.synOps / frames;
    events += (s.eventsIn + s.eventsOut) / frames;
    const rate = s.unit === 'np' ? p.synOpsPerCycle : p.inputBlockSynOpsPerCycle;
    const cycles = (s.synOps / rate + s.eventsIn / p.eventsPerCycle) / frames;
    const key = `${s.sequence}/${s.pass}`;
    const cur = passes.get(key);
    if (!cur || cycles > cur.bottleneck.cycles) {
      passes.set(key, {
        sequence: s.sequence,
        pass: s.pass,
        seconds: cycles / p.clockHz,
        bottleneck: { unit: s.unit, np: s.np, layer: s.layer, cycles },
      });
    }
  }
  const passList = [...passes.values()].sort((a, b) => a.sequence - b.sequence || a.pass - b.pass);
  const deviceS = passList.reduce((t, c) => t + c.seconds, 0);

  // host <-> device traffic: each hardware pass reads its first layer's input and returns its last layer's output
  let bytes = 0;
  for (const seq of plan.sequences) {
    if (seq.backend !== 'hardware') continue;
    for (let pass = 0; pass < seq.passes; pass++) {
      const inPass = seq.layers.filter((k) => plan.layers[k]!.parts.some((part) => part.pass === pass));
      if (!inPass.length) continue;
      const first = inPass[0]!;
      const last = inPass[inPass.length - 1]!;
      bytes += first === 0 ? tensorBytes(shapes.inputs[0]!, inputBitsOfModel(model)) : tensorBytes(shapes.inputs[first]!, outputBits(model.layers[first - 1]!));
      bytes += tensorBytes(outShape(last), outputBits(model.layers[last]!));
    }
  }
  const transferS = bytes / p.hostBytesPerS;

  // several programs (passes or hardware sequences) are reloaded for every batch
  const hwPasses = plan.sequences.filter((s) => s.backend === 'hardware').reduce((t, s) => t + s.passes, 0);
  const reloadBytes = hwPasses > 1 ? plan.totals.programBytes / batch : 0;
  const reloadS = reloadBytes / p.hostBytesPerS;

  let macs = 0;
  plan.layers.forEach((m, k) => {
    if (m.backend === 'software') macs += denseOps(model.layers[k]!, shapes.inputs[k]!);
  });
  const softwareS = macs / p.softwareMacsPerS;

  const total = p.hostOverheadS + transferS + deviceS + reloadS + softwareS;
  const energy = {
    static: p.staticPowerW * total,
    synOps: p.energyPerSynOpJ * synOps,
    events: p.energyPerEventJ * events,
    reload: p.energyPerProgramByteJ * reloadBytes,
    total: 0,
  };
  energy.total = energy.static + energy.synOps + energy.events + energy.reload;
  return {
    label: 'estimate',
    device: device.name,
    frames: stats.frames,
    batch,
    seconds: { host: p.hostOverheadS, transfer: transferS, device: deviceS, reload: reloadS, software: softwareS, total },
    framesPerSecond: 1 / total,
    deviceFramesPerSecond: deviceS > 0 ? 1 / deviceS : Infinity,
    energy,
    synOps,
    events,
    passes: passList,
    params: { ...p },
  };
}

function inputBitsOfModel(model: ModelSpec): number {
  const first = model.layers[0]!;
  return first.kind === 'InputData' || first.kind === 'InputConvolutional' ? first.inputBits : 8;
}

/** The estimate as text, labelled as such. */
export function formatCost(c: CostEstimate): string {
  const ms = (s: number) => `${(s * 1e3).toFixed(3)} ms`;
  const mj = (j: number) => `${(j * 1e3).toFixed(3)} mJ`;
  const lines = [
    `Cost ESTIMATE on ${c.device} (documented model, docs/mesh.md; not a measurement)`,
    `  frames/s: ${c.framesPerSecond.toFixed(2)} (device compute alone: ${Number.isFinite(c.deviceFramesPerSecond) ? c.deviceFramesPerSecond.toFixed(1) : 'n/a'})`,
    `  time per frame: ${ms(c.seconds.total)} = host ${ms(c.seconds.host)} + transfers ${ms(c.seconds.transfer)} + NPs ${ms(c.seconds.device)} + program reloads ${ms(c.seconds.reload)} + software layers ${ms(c.seconds.software)}`,
    `  energy per frame: ${mj(c.energy.total)} = static ${mj(c.energy.static)} + SynOps ${mj(c.energy.synOps)} + events ${mj(c.energy.events)} + reloads ${mj(c.energy.reload)}`,
    `  per frame on hardware: ${Math.round(c.synOps).toLocaleString('en-US')} SynOps, ${Math.round(c.events).toLocaleString('en-US')} events`,
  ];
  for (const p of c.passes) {
    const who = p.bottleneck.unit === 'np' ? `NP ${p.bottleneck.np}` : 'input block';
    lines.push(`  sequence ${p.sequence} pass ${p.pass}: ${ms(p.seconds)}, busiest ${who} (layer ${p.bottleneck.layer})`);
  }
  return lines.join('\n');
}
