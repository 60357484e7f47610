// The mesh page: the committed model, or one the visitor uploads (.json + .bin), mapped on a
// virtual Akida device (MappedModel of spikemesh/mesh): the nodes and NPs drawn as SVG with each
// layer's NPs coloured, the layers and the sequences / passes listed, then a run on test digits
// (the plan's own run: runPlan through the GPU engine, or the integer reference without WebGPU)
// with each NP's SynOps or events per digit as a heat map. Published as window.__mesh for
// test/browser/mesh-demo.test.ts.
import { deserializeModel, GpuRunner, Model, parseModelJson, type DeviceInfo, type ModelSpec } from '../../src/index.js';
import { gpuForward, MappedModel, type GpuForward, type MappingPlan, type PlanStats } from '../../src/mesh.js';
import { chooseBackend } from '../shared/backend.js';
import { colourScale, css, heat } from '../shared/colour.js';
import { megabytes, mnistDigits } from '../shared/digits.js';
import { $, adapterName, messageOf, secs, showAdapter, showError, StopButton, Waiting } from '../shared/page.js';

const MODEL_PATH = '../../models/mnist-cnn-q4.akida.json';
const LAYER_COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const NP = 26, GAP = 4, NODE_PAD = 6;
const SVG_NS = 'http://www.w3.org/2000/svg';

type Metric = 'synOps' | 'eventsIn' | 'eventsOut';

export interface MeshDemoState {
  ready: boolean;
  backend?: 'webgpu' | 'reference';
  adapter?: DeviceInfo;
  model?: string;
  mapping?: {
    device: string;
    mode: string;
    layers: Array<{ name: string; kind: string; backend: string; sequence: number; passes: number[]; nps: number[]; filterGroups: number; bands: number; unit: string }>;
    sequences: Array<{ name: string; backend: string; layers: string[]; passes: number }>;
    totals: MappingPlan['totals'];
  };
  /** maps drawn so far */
  mappings: number;
  running: boolean;
  heat?: { metric: Metric; frames: number; stopped: boolean; nps: Array<{ np: number; node: number; value: number }>; inputBlock: number | null };
  error?: string;
}

declare global {
  interface Window {
    __mesh?: MeshDemoState;
  }
}

const state: MeshDemoState = { ready: false, running: false, mappings: 0 };
window.__mesh = state;

function fail(err: unknown): void {
  state.running = false;
  state.error = showError('mesh demo', err);
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function cell(text: string, num = false, header = false): HTMLTableCellElement {
  const c = document.createElement(header ? 'th' : 'td');
  c.textContent = text;
  if (num) c.className = 'num';
  return c;
}

function fillTable(table: HTMLTableElement, head: string[], rows: Array<Array<string | number>>): void {
  const tr = document.createElement('tr');
  tr.append(...head.map((h) => cell(h, false, true)));
  table.replaceChildren(tr, ...rows.map((r) => {
    const row = document.createElement('tr');
    row.append(...r.map((v) => cell(String(v), typeof v === 'number')));
    return row;
  }));
}

/**
 * The device's nodes and NPs; `fill(np)` colours an NP (null: unused), `inputFill` the input
 * block. Returns the <svg>.
 */
function meshSvg(mapped: MappedModel, fill: (np: number) => { colour: string; title: string } | null, input: { colour: string; title: string } | null): SVGSVGElement {
  const dev = mapped.device;
  const perNode = dev.nodes[0]?.nps.length ?? 4;
  const side = Math.ceil(Math.sqrt(perNode));
  const nodeW = NODE_PAD * 2 + side * NP + (side - 1) * GAP;
  const inputW = dev.inputBlock ? 70 : 0;
  const W = inputW + dev.cols * (nodeW + 10) + 10;
  const H = dev.rows * (nodeW + 24) + 10;
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' });
  if (dev.inputBlock) {
    const g = el('g', { class: 'input-block' });
    const r = el('rect', { x: 6, y: 20, width: inputW - 16, height: nodeW, rx: 4, fill: input?.colour ?? '#fff', stroke: '#666' });
    r.append(el('title', {}, input?.title ?? 'input block: unused'));
    g.append(r, el('text', { x: 6, y: 14, 'font-size': 10 }, 'input block'));
    svg.append(g);
  }
  for (const node of dev.nodes) {
    const x0 = inputW + 10 + node.col * (nodeW + 10);
    const y0 = 20 + node.row * (nodeW + 24);
    svg.append(el('rect', { x: x0, y: y0, width: nodeW, height: nodeW, rx: 5, fill: 'none', stroke: '#999' }));
    svg.append(el('text', { x: x0, y: y0 - 4, 'font-size': 9, fill: '#555' }, `node ${node.id}`));
    node.nps.forEach((slot, i) => {
      const f = fill(slot.id);
      const r = el('rect', {
        x: x0 + NODE_PAD + (i % side) * (NP + GAP), y: y0 + NODE_PAD + Math.floor(i / side) * (NP + GAP), width: NP, height: NP, rx: 3,
        fill: f?.colour ?? '#fff', stroke: f ? '#333' : '#ccc', 'data-np': slot.id,
      });
      r.append(el('title', {}, f?.title ?? `NP ${slot.id} (node ${node.id}): unused`));
      svg.append(r);
    });
  }
  return svg;
}

function layerColour(k: number): string {
  return LAYER_COLOURS[k % LAYER_COLOURS.length]!;
}

function showMapping(mapped: MappedModel, spec: ModelSpec): void {
  const plan = mapped.plan;
  const t = plan.totals;
  $('totals').textContent = `${spec.name ?? 'model'} on ${plan.device} (${plan.deviceNps} NPs, mode ${plan.mode}): ${t.hardwareLayers} layers on hardware, ${t.softwareLayers} in software; `
    + `${t.sequences} sequence${t.sequences === 1 ? '' : 's'}, ${t.passes} hardware pass${t.passes === 1 ? '' : 'es'}, ${t.distinctNps} NPs used, about ${t.programBytes.toLocaleString('en')} program bytes (estimate).`;
  $('legend').replaceChildren(...plan.layers.map((l, k) => {
    const item = document.createElement('span');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = l.backend === 'hardware' ? layerColour(k) : 'repeating-linear-gradient(45deg, #ddd, #ddd 3px, #fff 3px, #fff 6px)';
    const where = l.backend === 'software' ? 'host (software)' : l.parts[0]?.unit === 'input-block' ? 'input block' : `${l.nps.length} NP${l.nps.length === 1 ? '' : 's'}`;
    item.append(sw, `${l.name}: ${where}`);
    return item;
  }));
  // one drawing per hardware pass
  const views: HTMLElement[] = [];
  for (const seq of plan.sequences.filter((s) => s.backend === 'hardware')) {
    for (let pass = 0; pass < seq.passes; pass++) {
      const byNp = new Map<number, { colour: string; title: string }>();
      let input: { colour: string; title: string } | null = null;
      for (const k of seq.layers) {
        const l = plan.layers[k]!;
        for (const p of l.parts) {
          if (p.pass !== pass) continue;
          const title = `${l.name} (${l.kind}), filters ${p.filters[0]}–${p.filters[1] - 1}, columns ${p.cols[0]}–${p.cols[1] - 1}`;
          if (p.unit === 'np' && p.np !== null) byNp.set(p.np, { colour: layerColour(k), title: `NP ${p.np} (node ${p.node}): ${title}` });
          if (p.unit === 'input-block') input = { colour: layerColour(k), title: `input block: ${title}` };
        }
      }
      const fig = document.createElement('figure');
      const cap = document.createElement('figcaption');
      cap.className = 'caption';
      cap.textContent = `Sequence ${seq.name}, pass ${pass + 1} of ${seq.passes}: each NP coloured by the layer it runs (hover for the filters and columns).`;
      fig.append(cap, meshSvg(mapped, (np) => byNp.get(np) ?? null, input));
      views.push(fig);
    }
  }
  if (!views.length) views.push(Object.assign(document.createElement('p'), { textContent: 'No layer maps to hardware: everything runs on the host.' }));
  $('mesh-view').replaceChildren(...views);
  fillTable($<HTMLTableElement>('layers'), ['layer', 'kind', 'runs on', 'sequence', 'passes', 'NPs', 'filter groups × column bands', 'program bytes (estimate)', 'why software'],
    plan.layers.map((l) => [
      l.name, l.kind,
      l.backend === 'software' ? 'host (software)' : l.parts[0]?.unit === 'input-block' ? 'input block' : 'NPs',
      plan.sequences[l.sequence]!.name, l.passes.map((p) => p + 1).join(', ') || '–', l.nps.length,
      `${l.filterGroups} × ${l.bands}`, l.programBytes, l.issues.map((i) => i.reason).join('; ') || '–',
    ]));
  fillTable($<HTMLTableElement>('sequences'), ['sequence', 'runs on', 'layers', 'passes', 'program bytes (estimate)'],
    plan.sequences.map((s) => [s.name, s.backend, s.layers.map((k) => plan.layers[k]!.name).join(', '), s.passes, s.programBytes]));
  state.mapping = {
    device: plan.device,
    mode: plan.mode,
    layers: plan.layers.map((l) => ({
      name: l.name, kind: l.kind, backend: l.backend, sequence: l.sequence, passes: l.passes, nps: l.nps, filterGroups: l.filterGroups, bands: l.bands,
      unit: l.backend === 'software' ? 'host' : l.parts[0]?.unit ?? 'np',
    })),
    sequences: plan.sequences.map((s) => ({ name: s.name, backend: s.backend, layers: s.layers.map((k) => plan.layers[k]!.name), passes: s.passes })),
    totals: plan.totals,
  };
  state.mappings++;
}

/** dark red to light yellow: never black (the outlines) nor white (unused NPs) */
const npHeat = (t: number) => heat(0.15 + 0.7 * t);

const METRIC_LABEL: Record<Metric, string> = { synOps: 'SynOps per digit', eventsIn: 'events in per digit', eventsOut: 'events out per digit' };

function showHeat(mapped: MappedModel, totals: Map<string, { eventsIn: number; eventsOut: number; synOps: number; node: number | null }>, frames: number, metric: Metric, stopped: boolean): void {
  const per = (key: string) => (totals.get(key)?.[metric] ?? 0) / Math.max(1, frames);
  const npValues = mapped.device.nps.map((s) => ({ np: s.id, node: s.node, value: per(`np:${s.id}`), used: totals.has(`np:${s.id}`) }));
  const input = totals.has('input') ? per('input') : null;
  const max = Math.max(1e-9, ...npValues.map((v) => v.value), input ?? 0);
  const fmt = (v: number) => v.toLocaleString('en', { maximumFractionDigits: 1 });
  const svg = meshSvg(mapped,
    (np) => {
      const v = npValues[np]!;
      return v.used ? { colour: css(npHeat(v.value / max)), title: `NP ${np} (node ${v.node}): ${fmt(v.value)} ${METRIC_LABEL[metric]}` } : null;
    },
    input === null ? null : { colour: css(npHeat(input / max)), title: `input block: ${fmt(input)} ${METRIC_LABEL[metric]}` });
  const cap = document.createElement('p');
  cap.className = 'caption';
  cap.textContent = `${METRIC_LABEL[metric]} on each NP (summed over passes), over ${frames} digit${frames === 1 ? '' : 's'}${stopped ? ' (stopped early)' : ''}; white: unused. Hover an NP for its value.`;
  $('heat-view').replaceChildren(cap, svg, colourScale(npHeat, '0', fmt(max), METRIC_LABEL[metric]));
  const used = npValues.filter((v) => v.used);
  fillTable($<HTMLTableElement>('np-stats'), ['unit', 'node', 'events in per digit', 'events out per digit', 'SynOps per digit'], [
    ...(input === null ? [] : [['input block', '–', totals.get('input')!.eventsIn / frames, totals.get('input')!.eventsOut / frames, totals.get('input')!.synOps / frames]]),
    ...used.map((v) => {
      const t = totals.get(`np:${v.np}`)!;
      return [`NP ${v.np}`, v.node, t.eventsIn / frames, t.eventsOut / frames, t.synOps / frames];
    }),
  ].map((r) => r.map((v) => (typeof v === 'number' ? Number(v.toFixed(1)) : v))));
  state.heat = { metric, frames, stopped, nps: used.map(({ np, node, value }) => ({ np, node, value })), inputBlock: input };
}

/** Adds a run's per-part statistics into the totals, by NP ('np:<id>') and input block ('input'). */
function addStats(totals: Map<string, { eventsIn: number; eventsOut: number; synOps: number; node: number | null }>, stats: PlanStats): void {
  for (const p of stats.parts) {
    const key = p.unit === 'np' ? `np:${p.np}` : p.unit === 'input-block' ? 'input' : null;
    if (!key) continue;
    const t = totals.get(key) ?? { eventsIn: 0, eventsOut: 0, synOps: 0, node: p.node };
    t.eventsIn += p.eventsIn;
    t.eventsOut += p.eventsOut;
    t.synOps += p.synOps;
    totals.set(key, t);
  }
}

async function readUpload(files: FileList): Promise<ModelSpec> {
  const list = Array.from(files);
  const json = list.find((f) => f.name.endsWith('.json'));
  if (!json) throw new Error('choose the model\'s .json file (and its .bin, if it has one) together');
  const doc = parseModelJson(await json.text(), json.name);
  const wanted = (doc as { weightsFile?: unknown }).weightsFile;
  const bin = list.find((f) => f.name === wanted) ?? list.find((f) => f.name.endsWith('.bin'));
  return deserializeModel(doc, bin ? new Uint8Array(await bin.arrayBuffer()) : undefined, json.name);
}

async function main(): Promise<void> {
  const status = $('status');
  status.textContent = 'requesting a WebGPU adapter…';
  const backend = await chooseBackend('mapping works the same; runs of about 20 digits take seconds');
  state.backend = backend.kind;
  const runner = backend.kind === 'webgpu' ? new GpuRunner(backend.acquired.device) : undefined;
  showAdapter($<HTMLTableElement>('adapter'), backend.kind === 'webgpu' ? backend.acquired.info : null);
  if (backend.kind === 'webgpu') state.adapter = backend.acquired.info;
  else $<HTMLInputElement>('digits').value = '20';
  const wait = new Waiting(status);
  await wait.say('loading the committed model…');
  const committed = (await Model.fetch(new URL(MODEL_PATH, location.href), { backend: backend.kind })).spec;
  wait.done();
  let uploaded: ModelSpec | undefined;
  let mapped: MappedModel | undefined;
  let spec: ModelSpec = committed;

  const remap = () => {
    try {
      spec = $<HTMLSelectElement>('model').value === 'uploaded' && uploaded ? uploaded : committed;
      const mode = $<HTMLSelectElement>('mode').value === 'minimal' ? 'minimal' : 'allNps';
      mapped = new MappedModel(spec, $<HTMLSelectElement>('device').value, { mode });
      state.model = spec.name ?? 'model';
      showMapping(mapped, spec);
      $('heat-view').replaceChildren();
      $('np-stats').replaceChildren();
      state.heat = undefined;
      $('model-status').textContent = '';
      $('model-status').className = 'caption';
    } catch (err) {
      console.error('mesh demo: mapping failed', err);
      $('model-status').textContent = `This model cannot be mapped: ${messageOf(err)}`;
      $('model-status').className = 'fail';
    }
  };
  for (const id of ['device', 'mode', 'model']) $(id).addEventListener('change', remap);
  $<HTMLInputElement>('upload').addEventListener('change', (e) => {
    const files = (e.target as HTMLInputElement).files;
    if (!files?.length) return;
    readUpload(files).then((m) => {
      uploaded = m;
      const opt = $<HTMLSelectElement>('model').options[1]!;
      opt.disabled = false;
      opt.textContent = `uploaded: ${m.name ?? files[0]!.name}`;
      $<HTMLSelectElement>('model').value = 'uploaded';
      remap();
      if (state.model === (m.name ?? 'model')) {
        $('model-status').textContent = `Loaded ${m.name ?? 'the model'} (${m.layers.length} layers).`;
        $('model-status').className = 'pass';
      }
    }).catch((err: unknown) => {
      console.error('mesh demo: upload failed', err);
      $('model-status').textContent = `Cannot read this model: ${messageOf(err)}`;
      $('model-status').className = 'fail';
    });
  });
  remap();

  const stop = new StopButton($<HTMLButtonElement>('stop'));
  const button = $<HTMLButtonElement>('run');
  button.disabled = false;
  $<HTMLFormElement>('run-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!mapped) return;
    const plan = mapped;
    const n = $<HTMLInputElement>('digits').valueAsNumber;
    const metric = $<HTMLSelectElement>('metric').value as Metric;
    const progress = $<HTMLProgressElement>('progress');
    const runWait = new Waiting($('run-status'));
    button.disabled = true;
    state.running = true;
    stop.start();
    let forward: GpuForward | undefined;
    void (async () => {
      if (!Number.isInteger(n) || n < 1) throw new RangeError('digits: a positive whole number');
      const shape = spec.layers[0] && 'inputShape' in spec.layers[0] ? spec.layers[0].inputShape : undefined;
      if (!shape || shape.join() !== '28,28,1') throw new Error(`the test digits are 28×28×1; this model takes ${shape ? shape.join('×') : 'another input'}`);
      await runWait.say('downloading the test digits…');
      const data = await mnistDigits((p) => {
        progress.value = p.total ? p.loaded / p.total : 0;
        void runWait.say(`downloading the test digits: ${megabytes(p)}`);
      });
      forward = runner ? gpuForward(runner) : undefined;
      const totals = new Map<string, { eventsIn: number; eventsOut: number; synOps: number; node: number | null }>();
      const total = Math.min(n, data.count);
      let frames = 0;
      const t0 = performance.now();
      let firstBatch: { n: number; s: number } | null = null;
      progress.value = 0;
      for await (const b of data.batches({ limit: total, batchSize: runner ? 25 : 5 })) {
        if (stop.requested) break;
        const r = await plan.run({ data: Int32Array.from(b.images), n: b.n, shape: [28, 28, 1] }, forward);
        addStats(totals, r.stats);
        frames += b.n;
        const s = (performance.now() - t0) / 1000;
        firstBatch ??= { n: frames, s };
        progress.value = frames / total;
        const steady = frames > firstBatch.n && s > firstBatch.s ? ` (${((frames - firstBatch.n) / (s - firstBatch.s)).toFixed(1)} digits/s after the first batch)` : '';
        await runWait.say(`${frames} / ${total} digits${steady}`);
        showHeat(plan, totals, frames, metric, false);
      }
      showHeat(plan, totals, frames, metric, frames < total);
      runWait.done(`${frames} digits${frames < total ? ' (stopped)' : ''} through the plan (${runner ? 'GPU engine' : 'CPU reference'}) in ${secs((performance.now() - t0) / 1000)}`);
    })()
      .catch((err: unknown) => {
        runWait.done('');
        fail(err);
      })
      .finally(async () => {
        await forward?.dispose();
        button.disabled = false;
        state.running = false;
        stop.end();
      });
  });
  status.textContent = backend.kind === 'webgpu' ? `ready on ${adapterName(backend.acquired.info)}` : 'ready on the CPU reference backend (no WebGPU)';
  status.className = 'pass';
  state.ready = true;
}

main().catch(fail);
