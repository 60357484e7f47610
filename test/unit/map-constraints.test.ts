// Every hardware constraint, hit by a synthetic model; the reasons name the value and the
// limit; hwOnly fails with all of them; otherwise the layers run in software.
import { describe, expect, it } from 'vitest';
import type { ModelSpec, Pooling } from '../../src/ir/types.js';
import { checkModel } from '../../src/mesh/map-constraints.js';
import { AKD1000, AKD1000_DESCRIPTION } from '../../src/mesh/devices.js';
import { mapModel, MappingError } from '../../src/mesh/map.js';
import { defineMesh, type DeviceSpec } from '../../src/mesh/mesh.js';
import { akidaNet05, dsCnnKws, GAP, MAX2, ModelBuilder } from './map-models.js';

const akd = AKD1000();
/** AKD1000 with some limits changed (for the device-dependent rules). */
function variant(change: Partial<typeof AKD1000_DESCRIPTION>): DeviceSpec {
  return defineMesh({ ...AKD1000_DESCRIPTION, name: 'variant', ...change });
}

interface Case {
  rule: string;
  layer: number;
  model: () => ModelSpec;
  device?: () => DeviceSpec;
  /** words the reason must contain (the found value and the limit) */
  says: string[];
}

const maxPool = (size: number, stride: number, padding: 'same' | 'valid' = 'same'): Pooling => ({
  type: 'max',
  size: [size, size],
  stride: [stride, stride],
  padding,
});
const img = (h: number, w: number, c: number) => new ModelBuilder([h, w, c], 1);
const data = (h: number, w: number, c: number, bits = 4) => new ModelBuilder([h, w, c], 1).inputData('input', bits);

const CASES: Case[] = [
  { rule: 'input-conv/kernel', layer: 0, model: () => img(8, 8, 1).inputConv('c', 4, { kernel: 4 }).build('m'), says: ['4x4', '3x3, 5x5, 7x7'] },
  { rule: 'input-conv/kernel', layer: 0, model: () => img(8, 8, 1).inputConv('c', 4, { kernel: [3, 5] }).build('m'), says: ['3x5'] },
  { rule: 'input-conv/stride', layer: 0, model: () => img(12, 12, 1).inputConv('c', 4, { stride: 4 }).build('m'), says: ['stride 4', '1 to 3'] },
  { rule: 'input-conv/channels', layer: 0, model: () => img(8, 8, 2).inputConv('c', 4).build('m'), says: ['2 input channels', '1 or 3'] },
  { rule: 'input-conv/size', layer: 0, model: () => img(8, 4, 1).inputConv('c', 4).build('m'), says: ['8x4', 'width 5-256'] },
  { rule: 'input-conv/size', layer: 0, model: () => img(4, 8, 3).inputConv('c', 4).build('m'), says: ['height >= 5'] },
  { rule: 'input-conv/filters', layer: 0, model: () => img(8, 8, 1).inputConv('c', 97, { kernel: 7 }).build('m'), says: ['97 filters', 'at most 96'] },
  { rule: 'input-conv/filters', layer: 0, model: () => img(8, 8, 3).inputConv('c', 65, { kernel: 5 }).build('m'), says: ['at most 64'] },
  { rule: 'pool/max', layer: 0, model: () => img(9, 9, 1).inputConv('c', 4, { pooling: maxPool(3, 3) }).build('m'), says: ['3x3 stride 3x3'] },
  { rule: 'pool/max', layer: 0, model: () => img(8, 8, 1).inputConv('c', 4, { pooling: maxPool(2, 1) }).build('m'), says: ['stride equal to the size'] },
  { rule: 'pool/global-input', layer: 0, model: () => img(8, 8, 1).inputConv('c', 4, { pooling: GAP }).build('m'), says: ['max pooling only'] },
  { rule: 'conv/kernel', layer: 1, model: () => data(8, 8, 2).conv('c', 4, { kernel: 2 }).build('m'), says: ['2x2', '1x1, 3x3, 5x5, 7x7'] },
  { rule: 'conv/kernel', layer: 1, model: () => data(8, 8, 2).separable('s', 4, { kernel: 1 }).build('m'), says: ['1x1', '3x3, 5x5, 7x7'] },
  { rule: 'conv/stride', layer: 1, model: () => data(8, 8, 2).conv('c', 4, { kernel: 5, stride: 2 }).build('m'), says: ['stride 2 with a 5x5 kernel'] },
  { rule: 'conv/stride', layer: 1, model: () => data(9, 9, 2).separable('s', 4, { stride: 3 }).build('m'), says: ['stride 3'] },
  { rule: 'conv/padding', layer: 1, model: () => data(8, 8, 2).conv('c', 4, { padding: 'valid' }).build('m'), says: ["'valid'", "'same'"] },
  { rule: 'weight-bits', layer: 1, model: () => data(8, 8, 2).conv('c', 4, { weightBits: 8 }).build('m'), says: ['8-bit weights', '1, 2, 4'] },
  { rule: 'weight-bits', layer: 1, model: () => data(8, 8, 2).separable('s', 4, { weightBits: 1 }).build('m'), says: ['1-bit weights', '2, 4'] },
  { rule: 'weight-bits', layer: 1, model: () => data(1, 1, 8).dense('d', 4, 8, { weightBits: 8 }).build('m'), says: ['8-bit weights'] },
  { rule: 'input-bits', layer: 1, model: () => data(8, 8, 2, 8).conv('c', 4).build('m'), says: ['8-bit values', "'input'"] },
  { rule: 'pool/average', layer: 1, model: () => data(8, 8, 2).conv('c', 4, { pooling: { type: 'average', size: [2, 2], stride: [2, 2] } }).conv('d', 4).build('m'), says: ['average pooling'] },
  { rule: 'pool/max', layer: 1, model: () => data(9, 9, 2).conv('c', 4, { pooling: maxPool(3, 3) }).conv('d', 4).build('m'), says: ['3x3 stride 3x3', '2x2'] },
  { rule: 'pool/padding', layer: 1, model: () => data(5, 5, 2).conv('c', 4, { pooling: maxPool(2, 2, 'valid') }).conv('d', 4).build('m'), says: ["'valid'", '5x5'] },
  { rule: 'pool/gap-width', layer: 1, model: () => data(4, 40, 2).conv('c', 4, { pooling: GAP }).build('m'), says: ['40 columns', 'at most 32'] },
  { rule: 'pool/gap-rows', layer: 1, model: () => data(2, 8, 2).conv('c', 4, { pooling: GAP }).build('m'), says: ['2 rows', 'at least 3'] },
  { rule: 'pool/max-last', layer: 1, model: () => data(8, 8, 2).conv('c', 4, { pooling: MAX2 }).build('m'), says: ['last layer'] },
  { rule: 'fc/spatial', layer: 2, model: () => data(8, 8, 2).conv('c', 4, { pooling: MAX2 }).dense('d', 3, 4 * 4 * 4).build('m'), says: ['4x4x4', '1x1'] },
  { rule: 'fc/inputs', layer: 1, model: () => data(1, 1, 57335, 1).dense('d', 1, 57335).build('m'), says: ['57335 inputs', 'at most 57334'] },
  { rule: 'fc/after-max-pool', layer: 2, model: () => data(2, 2, 2).conv('c', 4, { kernel: 1, pooling: MAX2 }).dense('d', 3, 4).build('m'), says: ["'c'", 'max pooling'] },
  {
    rule: 'np/memory',
    layer: 1,
    model: () => data(8, 8, 16).conv('c', 4, { kernel: 3 }).build('m'),
    device: () => variant({ npKinds: [{ name: 'CNP', layers: ['Convolutional', 'SeparableConvolutional'], maxNeurons: 8, weightBytes: 64, maxColumns: 32 }], nodeSlots: [['CNP']] }),
    says: ['72 weight bytes', 'holds 64'],
  },
  {
    rule: 'np/kind',
    layer: 1,
    model: () => data(1, 1, 8).dense('d', 4, 8).build('m'),
    device: () => variant({ npKinds: [{ name: 'CNP', layers: ['Convolutional'], maxNeurons: 8, weightBytes: 1024, maxColumns: 32 }], nodeSlots: [['CNP']] }),
    says: ['no NP kind that runs FullyConnected'],
  },
  {
    rule: 'np/columns',
    layer: 1,
    model: () => data(4, 8, 2).conv('c', 4, { pooling: GAP }).build('m'),
    device: () => variant({ npKinds: [{ name: 'CNP', layers: ['Convolutional'], maxNeurons: 8, weightBytes: 1024, maxColumns: 4 }], nodeSlots: [['CNP']] }),
    says: ['8 columns', '4 columns'],
  },
  { rule: 'threshold', layer: 1, model: () => data(4, 4, 2).conv('c', 4, { threshold: -(2 ** 19) }).build('m'), says: ['524288', 'at most 524287'] },
  { rule: 'device/input-block', layer: 0, model: () => img(8, 8, 1).inputConv('c', 4).build('m'), device: () => variant({ inputBlock: null }), says: ['no input convolution block'] },
];

describe('hardware constraints', () => {
  it.each(CASES.map((c, i) => [i, c.rule, c] as const))('case %i: %s', (_i, rule, c) => {
    const device = c.device?.() ?? akd;
    const issues = checkModel(c.model(), device);
    const hit = issues[c.layer]!.filter((x) => x.rule === rule);
    expect(hit).toHaveLength(1);
    for (const word of c.says) expect(hit[0]!.reason).toContain(word);
    expect(hit[0]!.fix.length).toBeGreaterThan(5);
    // only the offending layer is flagged
    issues.forEach((list, k) => {
      if (k !== c.layer) expect(list).toEqual([]);
    });
  });

  it('models within the limits raise no issue', () => {
    const ok = [
      dsCnnKws(),
      akidaNet05(),
      img(8, 8, 1).inputConv('c', 96, { kernel: 7, stride: 3, pooling: maxPool(2, 2) }).build('m'),
      data(9, 9, 2).conv('a', 4, { kernel: 1 }).conv('b', 4, { stride: 2 }).conv('c', 4, { pooling: maxPool(2, 1) }).conv('d', 4, { kernel: 7, pooling: GAP }).dense('e', 3, 4, { weightBits: 1 }).build('m'),
      data(6, 6, 2).conv('c', 4, { pooling: maxPool(2, 2, 'valid') }).separable('s', 4, { kernel: 5, weightBits: 2, pooling: GAP }).dense('d', 3, 4).build('m'),
      data(1, 1, 57334, 1).dense('d', 1, 57334).build('m'),
    ];
    for (const m of ok) expect(checkModel(m, akd).flat()).toEqual([]);
  });
});

describe('hwOnly', () => {
  const bad = () => data(8, 8, 2).conv('ok_1', 4).conv('wide_kernel', 4, { kernel: 4 }).conv('ok_2', 4).conv('eight_bit', 4, { weightBits: 8 }).build('two-bad');

  it('fails with every reason, layer by layer', () => {
    let err: unknown;
    try {
      mapModel(bad(), akd, { hwOnly: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MappingError);
    const e = err as MappingError;
    expect(e.issues.map((i) => [i.layer, i.rule])).toEqual([
      [2, 'conv/kernel'],
      [4, 'weight-bits'],
    ]);
    expect(e.message).toContain("model 'two-bad' cannot map entirely on AKD1000 (hwOnly)");
    expect(e.message).toContain("layer 2 'wide_kernel': kernel 4x4; supported: 1x1, 3x3, 5x5, 7x7 [conv/kernel]; fix: use a 1x1, 3x3, 5x5 or 7x7 kernel");
    expect(e.message).toContain("layer 4 'eight_bit': 8-bit weights; Convolutional supports 1, 2, 4 bits [weight-bits]; fix: quantize the weights to 1, 2 or 4 bits");
  });

  it('maps a compliant model as one hardware sequence', () => {
    const plan = mapModel(dsCnnKws(), akd, { hwOnly: true });
    expect(plan.sequences.map((s) => s.backend)).toEqual(['hardware']);
  });

  it('without hwOnly the failing layers run in software, with their reasons', () => {
    const plan = mapModel(bad(), akd);
    expect(plan.layers.map((l) => l.backend)).toEqual(['hardware', 'hardware', 'software', 'hardware', 'software']);
    expect(plan.layers[2]!.issues[0]!.rule).toBe('conv/kernel');
    expect(plan.layers[2]!.parts.map((p) => p.unit)).toEqual(['host']);
    expect(plan.sequences.map((s) => s.name)).toEqual(['HW/input-ok_1', 'SW/wide_kernel', 'HW/ok_2', 'SW/eight_bit']);
  });
});
