// The mapper: places each layer (or each part of a layer, split by filters or by column
// bands) on the NPs of a virtual device, groups layers into sequences (runs of hardware or
// software layers) and a hardware sequence into passes when it needs more NPs than the device
// has. Preference, as Akida's: more layers on hardware, then fewer sequences, then fewer
// passes (then fewer NPs). The algorithm is described in docs/mesh.md.
import { inferShapes, potentialShape } from '../ir/shapes.js';
import type { Layer, LayerKind, ModelSpec, Shape3 } from '../ir/types.js';
import { checkModel, formatIssue, type MapIssue } from './map-constraints.js';
import { columnBands, denseOps, layerParts, neuronLayout, neuronsPerNp, type PartShape, type Range } from './map-parts.js';
import { kindsFor, type DeviceSpec, type NpKind, type NpLayerKind } from './mesh.js';

export type Backend = 'hardware' | 'software';
/** Where a part runs: an NP, the input convolution block, or the host CPU. */
export type Unit = 'np' | 'input-block' | 'host';
/** 'allNps' spreads layers over spare NPs while that lowers the busiest NP's load; 'minimal' uses the fewest NPs. */
export type MapMode = 'allNps' | 'minimal';

export interface MapOptions {
  /** fail, with the reasons, unless every layer maps to hardware (one hardware sequence) */
  hwOnly?: boolean;
  mode?: MapMode;
}

export interface MappedPart extends PartShape {
  unit: Unit;
  /** NP id (unit 'np' only) */
  np: number | null;
  node: number | null;
  /** NP kind the NP is configured as */
  npKind: string | null;
  /** pass within the layer's sequence */
  pass: number;
  programBytes: number;
}

export interface LayerMapping {
  index: number;
  name: string;
  kind: LayerKind;
  backend: Backend;
  /** why the layer runs in software (empty on hardware) */
  issues: MapIssue[];
  sequence: number;
  /** passes (within the sequence) holding a part of this layer */
  passes: number[];
  /** NP ids and node ids used, sorted */
  nps: number[];
  nodes: number[];
  /** output channel groups and column bands the layer is split into */
  filterGroups: number;
  bands: number;
  programBytes: number;
  parts: MappedPart[];
}

export interface SequenceMapping {
  index: number;
  backend: Backend;
  /** Akida's naming: 'HW/first-last' or 'SW/first-last' */
  name: string;
  /** layer indices, consecutive */
  layers: number[];
  passes: number;
  programBytes: number;
}

export interface MappingTotals {
  hardwareLayers: number;
  softwareLayers: number;
  sequences: number;
  /** passes over all hardware sequences */
  passes: number;
  /** NP placements summed over layers (an NP reused in another pass counts again) */
  nps: number;
  /** different NPs used */
  distinctNps: number;
  programBytes: number;
}

export interface MappingPlan {
  model: string | null;
  device: string;
  deviceNps: number;
  mode: MapMode;
  hwOnly: boolean;
  layers: LayerMapping[];
  sequences: SequenceMapping[];
  totals: MappingTotals;
}

/** The model cannot map entirely on hardware (hwOnly), with every reason. */
export class MappingError extends Error {
  override name = 'MappingError';
  constructor(
    message: string,
    readonly issues: MapIssue[],
  ) {
    super(message);
  }
}

/** A hardware NP layer before placement: its kind and split. */
interface NpDemand {
  layer: number;
  kind: NpKind;
  /** most channel groups: each NP keeps at least minNeuronsPerNp neurons */
  maxGroups: number;
  groups: number;
  bands: Range[];
  parts: PartShape[];
  /** multiply-adds per part if every input were an event: the load spreading balances */
  loads: number[];
}

function demandFor(layer: Layer & { kind: NpLayerKind }, k: number, input: Shape3, outShape: Shape3, device: DeviceSpec): NpDemand {
  const layout = neuronLayout(layer, input);
  let best: NpDemand | null = null;
  for (const kind of kindsFor(device, layer.kind)) {
    const perNp = neuronsPerNp(kind, layout);
    const bands = columnBands(layer, input, outShape[1], kind.maxColumns);
    if (perNp === 0 || !bands) continue;
    const minGroups = Math.ceil(layout.neurons / perNp);
    const maxGroups = Math.max(minGroups, Math.floor(layout.neurons / device.minNeuronsPerNp));
    const d: NpDemand = { layer: k, kind, maxGroups, groups: minGroups, bands, parts: [], loads: [] };
    setGroups(d, minGroups, layer, input);
    if (!best || d.parts.length < best.parts.length) best = d;
  }
  // checkLayer guarantees a kind exists for a hardware layer
  if (!best) throw new Error(`internal: layer ${k} '${layer.name}' passed the checks but no NP kind can hold it`);
  return best;
}

function setGroups(d: NpDemand, groups: number, layer: Layer, input: Shape3): void {
  d.groups = groups;
  d.parts = layerParts(layer, input, neuronLayout(layer, input), groups, d.bands);
  d.loads = d.parts.map((p) => denseOps(layer, input, p.potentialCols, p.filters[1] - p.filters[0]));
}

/** NP slots free in one pass, and the assignment of parts to them. */
class PassSlots {
  private readonly free: Set<number>;
  constructor(private readonly device: DeviceSpec) {
    this.free = new Set(device.nps.map((n) => n.id));
  }
  get used(): number {
    return this.device.nps.length - this.free.size;
  }
  /** A free slot of this kind, preferring slots that can take fewer kinds (keeps versatile ones). */
  take(kind: string): number | null {
    let best: number | null = null;
    for (const id of this.free) {
      const slot = this.device.nps[id]!;
      if (!slot.kinds.includes(kind)) continue;
      if (best === null || slot.kinds.length < this.device.nps[best]!.kinds.length || (slot.kinds.length === this.device.nps[best]!.kinds.length && id < best)) {
        best = id;
      }
    }
    if (best !== null) this.free.delete(best);
    return best;
  }
  /** Takes slots for every kind in `kinds`, or none at all. */
  takeAll(kinds: string[]): number[] | null {
    const got: number[] = [];
    for (const k of kinds) {
      const id = this.take(k);
      if (id === null) {
        for (const g of got) this.free.add(g);
        return null;
      }
      got.push(id);
    }
    return got;
  }
}

interface Placement {
  /** per demand, per part: [pass, np] */
  at: Array<Array<[number, number]>>;
  passes: number;
  /** layers whose parts lie in more than one pass */
  splitLayers: number;
}

/** Fills passes in layer order; a pass is a fresh set of free slots. */
class Packer {
  private pass = 0;
  private slots: PassSlots;
  readonly at: Array<Array<[number, number]>> = [];
  constructor(private readonly device: DeviceSpec) {
    this.slots = new PassSlots(device);
  }
  private newPass(): void {
    this.pass++;
    this.slots = new PassSlots(this.device);
  }
  /** Every part of the layer in one pass (the current one, else a new one); false if none holds it. */
  placeWhole(d: NpDemand): boolean {
    const kinds = d.parts.map(() => d.kind.name);
    let ids = this.slots.takeAll(kinds);
    if (!ids && this.slots.used > 0) {
      this.newPass();
      ids = this.slots.takeAll(kinds);
    }
    if (ids) this.at.push(ids.map((id) => [this.pass, id]));
    return ids !== null;
  }
  /** Part by part, opening a new pass when one does not fit. */
  placeEach(d: NpDemand): void {
    this.at.push(
      d.parts.map(() => {
        let id = this.slots.take(d.kind.name);
        if (id === null) {
          this.newPass();
          // checkLayer guarantees the device has a slot of this kind
          id = this.slots.take(d.kind.name)!;
        }
        return [this.pass, id];
      }),
    );
  }
  result(): Placement {
    const splitLayers = this.at.filter((a) => new Set(a.map(([p]) => p)).size > 1).length;
    return { at: this.at, passes: this.pass + 1, splitLayers };
  }
}

/**
 * Two packings of a hardware sequence, the better one kept (fewer passes, then fewer layers
 * split across passes): whole layers per pass where they fit, or parts filling every pass.
 * With NPs of one kind the second is optimal (ceil(parts / NPs) passes).
 */
function pack(demands: NpDemand[], device: DeviceSpec): Placement {
  const whole = new Packer(device);
  for (const d of demands) if (!whole.placeWhole(d)) whole.placeEach(d);
  const parts = new Packer(device);
  for (const d of demands) parts.placeEach(d);
  const a = whole.result();
  const b = parts.result();
  return b.passes < a.passes || (b.passes === a.passes && b.splitLayers < a.splitLayers) ? b : a;
}

function fitsOnePass(demands: NpDemand[], device: DeviceSpec): boolean {
  const slots = new PassSlots(device);
  return demands.every((d) => slots.takeAll(d.parts.map(() => d.kind.name)) !== null);
}

/**
 * Spreads layers over spare NPs: while the busiest part's layer can take one more channel
 * group and the whole sequence still fits one pass, split it further. Stops when the busiest
 * layer cannot split (more NPs elsewhere would not raise throughput).
 */
function spread(demands: NpDemand[], device: DeviceSpec, layers: Layer[], inputs: Shape3[]): void {
  if (!fitsOnePass(demands, device)) return;
  for (;;) {
    let worst: NpDemand | null = null;
    let worstLoad = -1;
    for (const d of demands) {
      const l = Math.max(...d.loads);
      if (l > worstLoad) {
        worst = d;
        worstLoad = l;
      }
    }
    if (!worst || worst.groups >= worst.maxGroups) return;
    const layer = layers[worst.layer]!;
    setGroups(worst, worst.groups + 1, layer, inputs[worst.layer]!);
    if (!fitsOnePass(demands, device)) {
      setGroups(worst, worst.groups - 1, layer, inputs[worst.layer]!);
      return;
    }
  }
}

function partBytes(device: DeviceSpec, p: PartShape): number {
  return device.program.npBytes + p.weightBytes + device.program.neuronBytes * (p.filters[1] - p.filters[0]);
}

function sequenceName(backend: Backend, layers: Layer[], idx: number[]): string {
  const first = layers[idx[0]!]!.name;
  const last = layers[idx[idx.length - 1]!]!.name;
  return `${backend === 'hardware' ? 'HW' : 'SW'}/${first === last ? first : `${first}-${last}`}`;
}

function sorted(xs: Iterable<number>): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

/** Akida's model.map(device, hw_only): the mapping plan of a model on a virtual device. */
export function mapModel(model: ModelSpec, device: DeviceSpec, options: MapOptions = {}): MappingPlan {
  const hwOnly = options.hwOnly ?? false;
  const mode = options.mode ?? 'allNps';
  if (mode !== 'allNps' && mode !== 'minimal') throw new RangeError(`map mode '${String(mode)}', expected 'allNps' or 'minimal'`);
  const layers = model.layers;
  const shapes = inferShapes(layers);
  const outShapeOf = (k: number) => shapes.inputs[k + 1] ?? shapes.output;
  const issues = checkModel(model, device);
  const failing = issues.flat();
  if (hwOnly && failing.length > 0) {
    throw new MappingError(
      `model${model.name ? ` '${model.name}'` : ''} cannot map entirely on ${device.name} (hwOnly):\n${failing.map((i) => `  ${formatIssue(i)}`).join('\n')}`,
      failing,
    );
  }

  // every layer that passes the checks runs on hardware: more hardware layers come first in
  // the preference order, and a hardware layer never adds sequences that a software one saves
  const backends: Backend[] = layers.map((_, k) => (issues[k]!.length === 0 ? 'hardware' : 'software'));
  // InputData computes nothing: it belongs to the sequence of the layer it feeds
  if (layers[0]!.kind === 'InputData' && layers.length > 1) backends[0] = backends[1]!;

  const seqOf: number[] = [];
  const sequences: Array<{ backend: Backend; layers: number[] }> = [];
  backends.forEach((b, k) => {
    const last = sequences[sequences.length - 1];
    if (last && last.backend === b) last.layers.push(k);
    else sequences.push({ backend: b, layers: [k] });
    seqOf.push(sequences.length - 1);
  });

  const mappings: LayerMapping[] = layers.map((layer, k) => ({
    index: k,
    name: layer.name,
    kind: layer.kind,
    backend: backends[k]!,
    issues: issues[k]!,
    sequence: seqOf[k]!,
    passes: [0],
    nps: [],
    nodes: [],
    filterGroups: 1,
    bands: 1,
    programBytes: 0,
    parts: [],
  }));
  const wholePart = (k: number, unit: Unit, bytes: (p: PartShape) => number): MappedPart => {
    const input = shapes.inputs[k]!;
    const width = outShapeOf(k)[1];
    const layout = neuronLayout(layers[k]!, input);
    const shape: PartShape = {
      filters: [0, outShapeOf(k)[2]],
      cols: [0, width],
      potentialCols: layers[k]!.kind === 'FullyConnected' || layers[k]!.kind === 'InputData' ? [0, 1] : [0, potentialShape(layers[k]!, input)[1]],
      inputCols: [0, input[1]],
      weightBytes: layout.sharedBytes + layout.bytesPerNeuron * layout.neurons,
    };
    return { ...shape, unit, np: null, node: null, npKind: null, pass: 0, programBytes: bytes(shape) };
  };

  const seqPasses: number[] = [];
  for (const seq of sequences) {
    if (seq.backend === 'software') {
      for (const k of seq.layers) {
        if (layers[k]!.kind !== 'InputData') mappings[k]!.parts = [wholePart(k, 'host', () => 0)];
      }
      seqPasses.push(1);
      continue;
    }
    const demands: NpDemand[] = [];
    for (const k of seq.layers) {
      const layer = layers[k]!;
      if (layer.kind === 'InputData') continue;
      if (layer.kind === 'InputConvolutional') {
        mappings[k]!.parts = [wholePart(k, 'input-block', (p) => partBytes(device, p))];
        continue;
      }
      demands.push(demandFor(layer, k, shapes.inputs[k]!, outShapeOf(k), device));
    }
    if (mode === 'allNps') spread(demands, device, layers, shapes.inputs);
    const placement = pack(demands, device);
    demands.forEach((d, i) => {
      const m = mappings[d.layer]!;
      m.filterGroups = d.groups;
      m.bands = d.bands.length;
      m.parts = d.parts.map((p, j) => {
        const [pass, np] = placement.at[i]![j]!;
        return { ...p, unit: 'np', np, node: device.nps[np]!.node, npKind: d.kind.name, pass, programBytes: partBytes(device, p) };
      });
    });
    seqPasses.push(demands.length ? placement.passes : 1);
  }

  for (const m of mappings) {
    const onDevice = m.parts.filter((p) => p.unit !== 'host');
    m.passes = m.parts.length ? sorted(m.parts.map((p) => p.pass)) : [0];
    m.nps = sorted(onDevice.filter((p) => p.np !== null).map((p) => p.np!));
    m.nodes = sorted(onDevice.filter((p) => p.node !== null).map((p) => p.node!));
    m.programBytes = onDevice.length ? device.program.layerBytes + onDevice.reduce((s, p) => s + p.programBytes, 0) : 0;
  }
  const seqs: SequenceMapping[] = sequences.map((s, i) => ({
    index: i,
    backend: s.backend,
    name: sequenceName(s.backend, layers, s.layers),
    layers: s.layers,
    passes: seqPasses[i]!,
    programBytes: s.backend === 'hardware' ? device.program.sequenceBytes + s.layers.reduce((t, k) => t + mappings[k]!.programBytes, 0) : 0,
  }));
  const hwLayers = mappings.filter((m) => m.backend === 'hardware' && m.kind !== 'InputData').length;
  const totals: MappingTotals = {
    hardwareLayers: hwLayers,
    softwareLayers: mappings.filter((m) => m.backend === 'software' && m.kind !== 'InputData').length,
    sequences: seqs.length,
    passes: seqs.filter((s) => s.backend === 'hardware').reduce((t, s) => t + s.passes, 0),
    nps: mappings.reduce((t, m) => t + m.parts.filter((p) => p.unit === 'np').length, 0),
    distinctNps: sorted(mappings.flatMap((m) => m.nps)).length,
    programBytes: seqs.reduce((t, s) => t + s.programBytes, 0),
  };
  return { model: model.name ?? null, device: device.name, deviceNps: device.nps.length, mode, hwOnly, layers: mappings, sequences: seqs, totals };
}
