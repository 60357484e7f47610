// Model.map(device, { hwOnly }) and Model.summary() after mapping, as in Akida's API.
import { describe, expect, it } from 'vitest';
import { Model } from '../../src/model.js';
import { MappingError } from '../../src/mesh/map.js';
import { dsCnnKws, ModelBuilder, randomInput } from './map-models.js';

describe('Model.map', () => {
  it('maps, and summary() then shows NPs, nodes, sequences and passes', async () => {
    const model = new Model(dsCnnKws(), { backend: 'reference' });
    const before = model.summary();
    const mapped = model.map('AKD1000', { hwOnly: true });
    expect(mapped.plan.totals.nps).toBe(65);
    const after = model.summary();
    expect(after.startsWith(before)).toBe(true);
    expect(after).toContain('Sequence 0: HW/conv_0-dense_5 (Hardware) - 1 pass');
    // the mapped run equals the model's own forward
    const x = randomInput([49, 10, 1], 2, 255, 3, 0.1);
    expect((await mapped.run(x)).output.data).toEqual((await model.forward(x)).data);
  });

  it('hwOnly fails with the reasons when a layer cannot map', () => {
    const spec = new ModelBuilder([6, 6, 2], 1).inputData('input', 4).conv('bad', 4, { kernel: 4 }).build('bad');
    const model = new Model(spec, { backend: 'reference' });
    expect(() => model.map('TwoNodesIP', { hwOnly: true })).toThrow(MappingError);
    expect(() => model.map('TwoNodesIP', { hwOnly: true })).toThrow("layer 1 'bad': kernel 4x4");
    expect(model.mapping).toBeUndefined();
    expect(model.map('TwoNodesIP').plan.layers[1]!.backend).toBe('software');
  });
});
