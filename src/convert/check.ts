// check(): the CNN2SNN check_model_compatibility step. Lists every layer that cannot be
// converted, or can be converted but not mapped to AKD1000, with the reason and the fix.
import type * as tf from '@tensorflow/tfjs';
import type { LayerKind } from '../ir/types.js';
import type { DeviceSpec } from '../mesh/mesh.js';
import { analyze, type ConvertOptions } from './convert.js';
import { hardwareIssues } from './hardware.js';
import { AKD1000 } from '../mesh/devices.js';
import { formatCompatibilityIssue, type CompatibilityIssue } from './issues.js';

export interface CompatibilityReport {
  model: string;
  /** the device the hardware rules are those of */
  device: string;
  /** convert() would succeed */
  convertible: boolean;
  /** convertible and no AKD1000 mapping issue */
  hardwareCompatible: boolean;
  issues: CompatibilityIssue[];
  notes: string[];
  /** the spikemesh layers the model becomes, with the tfjs layers folded into each */
  layers: Array<{ name: string; kind: LayerKind | null; sources: string[] }>;
}

export interface CheckOptions extends ConvertOptions {
  /** the device whose hardware rules apply; default AKD1000 */
  device?: DeviceSpec;
}

export async function check(model: tf.LayersModel, options: CheckOptions = {}): Promise<CompatibilityReport> {
  const result = await analyze(model, options);
  const issues = [...result.issues];
  if (result.spec) issues.push(...hardwareIssues(result.spec, options.device));
  const kinds = new Map(result.spec?.layers.map((l) => [l.name, l.kind]) ?? []);
  const layers: CompatibilityReport['layers'] = [];
  const input = result.spec?.layers[0];
  if (input?.kind === 'InputData') layers.push({ name: input.name, kind: 'InputData', sources: [] });
  for (const [name, sources] of Object.entries(result.sources)) layers.push({ name, kind: kinds.get(name) ?? null, sources });
  return {
    model: model.name,
    device: (options.device ?? AKD1000()).name,
    convertible: result.spec !== null,
    hardwareCompatible: result.spec !== null && !issues.some((i) => i.kind === 'hardware'),
    issues,
    notes: result.notes,
    layers,
  };
}

export function formatReport(r: CompatibilityReport): string {
  const lines = [`model '${r.model}': ${r.convertible ? 'convertible' : 'NOT convertible'}, ` +
    `${r.hardwareCompatible ? `maps to ${r.device}` : r.convertible ? `does not map to ${r.device} as is` : 'hardware not checked'}`];
  if (r.layers.length) {
    lines.push('layers:');
    for (const l of r.layers) lines.push(`  ${l.name} (${l.kind ?? '?'})${l.sources.length ? ` <- ${l.sources.join(', ')}` : ''}`);
  }
  const conv = r.issues.filter((i) => i.kind === 'conversion');
  const hw = r.issues.filter((i) => i.kind === 'hardware');
  if (conv.length) lines.push('conversion issues:', ...conv.map((i) => `  - ${formatCompatibilityIssue(i)}`));
  if (hw.length) lines.push(`hardware (${r.device}) issues:`, ...hw.map((i) => `  - ${formatCompatibilityIssue(i)}`));
  if (r.notes.length) lines.push('notes:', ...r.notes.map((n) => `  - ${n}`));
  return lines.join('\n');
}
