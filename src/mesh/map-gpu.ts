// The GPU engine as the ForwardFn of runPlan: each part's one-layer model becomes a GpuModel
// (weights uploaded once, pipelines shared through the runner's cache) and runs there.
import type { GpuRunner } from '../gpu/runner.js';
import type { ModelSpec } from '../ir/types.js';
import type { ForwardFn } from './map-run.js';
import { GpuModel } from '../engine/run.js';

export interface GpuForward extends ForwardFn {
  /** frees the weights of every part model created */
  dispose(): Promise<void>;
}

/** A ForwardFn on the GPU; runPlan keeps its part models, so each is uploaded once. */
export function gpuForward(runner: GpuRunner): GpuForward {
  const models = new WeakMap<ModelSpec, Promise<GpuModel>>();
  const created: Array<Promise<GpuModel>> = [];
  const run: ForwardFn = async (spec, input) => {
    let m = models.get(spec);
    if (!m) {
      m = GpuModel.create(runner, spec);
      models.set(spec, m);
      created.push(m);
    }
    return (await m).forward(input);
  };
  const forward: GpuForward = Object.assign(run, {
    async dispose() {
      for (const m of created.splice(0)) (await m).dispose();
    },
  });
  return forward;
}
