// check(): the CNN2SNN check_model_compatibility step. Lists every layer that cannot be
// converted, or can be converted but not mapped to AKD1000, with the reason and the fix.
// A float (not yet quantized) model is checked as it will be once quantized (CNN2SNN's advice:
// check the architecture before training), and the report says it still has to be quantized.
import type * as tf from '@tensorflow/tfjs';
import type { LayerKind } from '../ir/types.js';
import type { DeviceSpec } from '../mesh/mesh.js';
import { floatGraphFromTfjs } from '../io/tfjs.js';
import { isFloatNeural, isFloatRelu } from './blocks.js';
import { analyze, type ConversionResult, type ConvertOptions } from './convert.js';
import { hardwareIssues } from './hardware.js';
import { AKD1000 } from '../mesh/devices.js';
import { formatCompatibilityIssue, type CompatibilityIssue } from './issues.js';
import type { QuantizeOptions } from './quantize.js';

export interface CompatibilityReport {
  model: string;
  /** the device the hardware rules are those of */
  device: string;
  /** convert() would succeed (for a float model: once quantized with `quantizedWith`) */
  convertible: boolean;
  /** convertible and no AKD1000 mapping issue */
  hardwareCompatible: boolean;
  /** false when some neural layer or ReLU is still float: quantize the model before converting */
  quantized: boolean;
  /** the quantization a float model was checked with (options.quantization, else CHECK_QUANTIZATION) */
  quantizedWith?: QuantizeOptions;
  issues: CompatibilityIssue[];
  notes: string[];
  /** the spikemesh layers the model becomes, with the tfjs layers folded into each */
  layers: Array<{ name: string; kind: LayerKind | null; sources: string[] }>;
}

export interface CheckOptions extends ConvertOptions {
  /** the device whose hardware rules apply; default AKD1000 */
  device?: DeviceSpec;
}

/** The bits a float model is checked with when none are given: CNN2SNN's canonical 4/4/8. */
export const CHECK_QUANTIZATION: QuantizeOptions = { weightBits: 4, activationBits: 4, inputWeightBits: 8 };

export async function check(model: tf.LayersModel, options: CheckOptions = {}): Promise<CompatibilityReport> {
  const quantized = isQuantized(model);
  let result = await analyze(model, options);
  let quantizedWith: QuantizeOptions | undefined;
  if (!quantized) {
    quantizedWith = options.quantization ?? CHECK_QUANTIZATION;
    const once = await analyzeQuantized(model, { ...options, quantization: quantizedWith });
    if (once.spec) result = once;
    else {
      // the float model's own issues, then those only quantizing reveals (e.g. act_step ranges)
      const seen = new Set(result.issues.map(key));
      result = { ...result, issues: [...result.issues, ...once.issues.filter((i) => !seen.has(key(i)))] };
    }
  }
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
    quantized,
    ...(quantizedWith && { quantizedWith }),
    issues,
    notes: result.notes,
    layers,
  };
}

const key = (i: CompatibilityIssue) => `${i.layer}\n${i.message}`;

/** No float Conv2D/SeparableConv2D/DepthwiseConv2D/Dense and no float ReLU left. */
function isQuantized(model: tf.LayersModel): boolean {
  try {
    return !floatGraphFromTfjs(model).layers.some((l) => isFloatNeural(l) || isFloatRelu(l));
  } catch {
    return true; // not readable: analyze() reports why
  }
}

/** analyze() of the model quantized as given; quantize() refusing a layer becomes an issue. */
async function analyzeQuantized(model: tf.LayersModel, options: ConvertOptions): Promise<ConversionResult> {
  try {
    return await analyze(model, options);
  } catch (err) {
    const m = /^layer '([^']+)': (.*)$/s.exec((err as Error).message);
    return { spec: null, issues: [{ layer: m?.[1] ?? '(model)', kind: 'conversion', message: m?.[2] ?? (err as Error).message }],
      notes: [], sources: {}, folds: [] };
  }
}

const bitsText = (q: QuantizeOptions) => `weights ${q.weightBits} bits (input layer ${q.inputWeightBits ?? q.weightBits}), activations ${q.activationBits} bits`;

export function formatReport(r: CompatibilityReport): string {
  const lines = [`model '${r.model}': ${r.convertible ? (r.quantized ? 'convertible' : 'convertible once quantized') : 'NOT convertible'}, ` +
    `${r.hardwareCompatible ? `maps to ${r.device}` : r.convertible ? `does not map to ${r.device} as is` : 'hardware not checked'}`];
  if (!r.quantized) {
    lines.push(`the model is not quantized yet: quantize it before converting (spikemesh quantize, or quantize() in code)` +
      (r.quantizedWith ? `; checked as quantized with ${bitsText(r.quantizedWith)}` : ''));
  }
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
