// The mapped model summary, like Akida's model.summary() after map(): per layer the NPs and
// nodes used, sequence and pass, hardware or software (with the reasons) and program bytes.
import { inferShapes } from '../ir/shapes.js';
import type { LayerKind, ModelSpec, Shape3 } from '../ir/types.js';
import type { MapIssue } from './map-constraints.js';
import type { Backend, MappedPart, MappingPlan, MappingTotals, SequenceMapping } from './map.js';

export interface MappedSummaryRow {
  index: number;
  name: string;
  kind: LayerKind;
  outputShape: Shape3;
  backend: Backend;
  sequence: number;
  passes: number[];
  /** 'np', 'input-block' or 'host' */
  units: string[];
  nps: number[];
  nodes: number[];
  filterGroups: number;
  bands: number;
  programBytes: number;
  issues: MapIssue[];
  parts: MappedPart[];
}

export interface MappedSummary {
  model: string | null;
  device: string;
  deviceNps: number;
  mode: string;
  hwOnly: boolean;
  inputShape: Shape3;
  outputShape: Shape3;
  totals: MappingTotals;
  sequences: SequenceMapping[];
  layers: MappedSummaryRow[];
}

const SHORT: Record<LayerKind, string> = {
  InputData: 'InputData',
  InputConvolutional: 'InputConv.',
  Convolutional: 'Conv.',
  SeparableConvolutional: 'Sep.Conv.',
  FullyConnected: 'Fully.',
};

/** The JSON form of `spikemesh map --json`. */
export function mappedSummary(plan: MappingPlan, model: ModelSpec): MappedSummary {
  const shapes = inferShapes(model.layers);
  return {
    model: plan.model,
    device: plan.device,
    deviceNps: plan.deviceNps,
    mode: plan.mode,
    hwOnly: plan.hwOnly,
    inputShape: shapes.inputs[0]!,
    outputShape: shapes.output,
    totals: plan.totals,
    sequences: plan.sequences,
    layers: plan.layers.map((m, k) => ({
      index: k,
      name: m.name,
      kind: m.kind,
      outputShape: shapes.inputs[k + 1] ?? shapes.output,
      backend: m.backend,
      sequence: m.sequence,
      passes: m.passes,
      units: [...new Set(m.parts.map((p) => p.unit))],
      nps: m.nps,
      nodes: m.nodes,
      filterGroups: m.filterGroups,
      bands: m.bands,
      programBytes: m.programBytes,
      issues: m.issues,
      parts: m.parts,
    })),
  };
}

/** "0-3,7,9-10" */
export function ranges(xs: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    out.push(j === i ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c]!)).join('  ').trimEnd();
  const rule = '_'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [rule, line(header), '='.repeat(rule.length), ...rows.map(line), rule];
}

const num = (n: number) => n.toLocaleString('en-US');

function splitText(r: MappedSummaryRow): string {
  if (r.backend === 'software' || r.units[0] !== 'np') return '-';
  const parts: string[] = [];
  if (r.filterGroups > 1) parts.push(`${r.filterGroups} filter groups`);
  if (r.bands > 1) parts.push(`${r.bands} column bands`);
  return parts.length ? parts.join(' x ') : '-';
}

/** The text table printed by `spikemesh map` and MappedModel.summary(). */
export function formatMappedSummary(s: MappedSummary): string {
  const lines: string[] = [];
  lines.push(`Model summary: ${s.model ?? '(unnamed)'} mapped on ${s.device} (${s.deviceNps} NPs, mode ${s.mode}${s.hwOnly ? ', hwOnly' : ''})`);
  lines.push(
    ...table(
      ['Input shape', 'Output shape', 'Sequences', 'Passes', 'Layers', 'HW layers', 'NPs', 'Program bytes'],
      [[
        `[${s.inputShape.join(', ')}]`,
        `[${s.outputShape.join(', ')}]`,
        String(s.totals.sequences),
        String(s.totals.passes),
        String(s.layers.length),
        String(s.totals.hardwareLayers),
        String(s.totals.nps),
        num(s.totals.programBytes),
      ]],
    ),
  );
  for (const seq of s.sequences) {
    lines.push('');
    const hw = seq.backend === 'hardware';
    lines.push(
      `Sequence ${seq.index}: ${seq.name} (${hw ? 'Hardware' : 'Software'})${hw ? ` - ${seq.passes} pass${seq.passes > 1 ? 'es' : ''}, program ${num(seq.programBytes)} bytes` : ''}`,
    );
    const rows = s.layers.filter((r) => r.sequence === seq.index);
    lines.push(
      ...table(
        ['Layer (type)', 'Output shape', 'Backend', 'Pass', 'NPs', 'Node ids', 'Split', 'Program bytes'],
        rows.map((r) => [
          `${r.name} (${SHORT[r.kind]})`,
          `[${r.outputShape.join(', ')}]`,
          r.backend,
          r.backend === 'hardware' && r.kind !== 'InputData' ? ranges(r.passes) : '-',
          r.units.includes('input-block') ? 'input block' : r.nps.length ? String(r.nps.length) : '-',
          r.nodes.length ? ranges(r.nodes) : '-',
          splitText(r),
          r.programBytes ? num(r.programBytes) : '-',
        ]),
      ),
    );
    for (const r of rows) {
      for (const i of r.issues) lines.push(`  ${r.name} runs in software: ${i.reason} [${i.rule}]; fix: ${i.fix}`);
    }
  }
  lines.push('');
  lines.push('Program bytes are an estimate from a documented size model (docs/mesh.md).');
  return lines.join('\n');
}
