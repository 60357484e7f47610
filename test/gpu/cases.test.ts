// The GPU half of the data-driven cases (test/cases/*.json, test/helpers/cases.ts; the
// reference half is test/unit/cases.test.ts): every case on the webgpu engine, generic and
// specialised kernels, with blank-site skipping on and off, and once through the public Model
// API; bit-exact against each case's hand-worked expected output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDevice, GpuRunner, type AcquiredDevice } from '../../src/gpu/index.js';
import { GpuModel } from '../../src/engine/run.js';
import type { LayerPlan } from '../../src/engine/plan.js';
import { Model } from '../../src/index.js';
import { describeCases, loadCases } from '../helpers/cases.js';

let acquired: AcquiredDevice;
let runner: GpuRunner;
beforeAll(async () => {
  acquired = await acquireDevice();
  runner = new GpuRunner(acquired.device);
});
afterAll(() => runner.dispose());

function plansOf(model: GpuModel): LayerPlan[] {
  return (model as unknown as { plans: LayerPlan[] }).plans;
}

for (const specialize of ['never', 'always'] as const) {
  for (const siteSkipping of [true, false]) {
    describeCases(`webgpu, specialize '${specialize}', site skipping ${siteSkipping ? 'on' : 'off'}`, async (spec, input) => {
      const model = await GpuModel.create(runner, spec, { specialize, siteSkipping });
      try {
        // the switch does what it says: off, no layer runs over a site list
        if (!siteSkipping) expect(plansOf(model).some((p) => p.usesSites)).toBe(false);
        const whole = await model.forward(input);
        // one sample per chunk gives the same output
        const split = await model.forward(input, { maxBatch: 1 });
        expect(Array.from(split.output.data), 'maxBatch 1').toEqual(Array.from(whole.output.data));
        return whole.output;
      } finally {
        model.dispose();
      }
    });
  }
}

describeCases("Model API, backend 'webgpu', site skipping off, specialize 'always'", async (spec, input) => {
  const model = new Model(spec, { backend: 'webgpu', device: acquired, specialize: 'always', siteSkipping: false });
  try {
    return await model.forward(input);
  } finally {
    await model.dispose();
  }
});

describe('the cases exercise the GPU paths', () => {
  it('some case has a layer that skips sites with skipping on, and is specialised with always', async () => {
    let sited = 0;
    let specialised = 0;
    for (const c of loadCases()) {
      const model = await GpuModel.create(runner, c.spec, { specialize: 'always' });
      sited += plansOf(model).filter((p) => p.usesSites).length;
      specialised += plansOf(model).filter((p) => (p as { specialized?: boolean }).specialized).length;
      model.dispose();
    }
    expect(sited).toBeGreaterThan(0);
    expect(specialised).toBeGreaterThan(0);
  });
});
