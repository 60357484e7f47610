// A model mapped on a virtual device: Akida's model.map(device, hw_only) result with
// summary(), a run that follows the plan, and the cost estimate of that run.
import type { IntBatch, ModelSpec } from '../ir/types.js';
import { estimateCost, type CostEstimate, type CostOptions } from './cost.js';
import { resolveDevice } from './devices.js';
import { runPlan, type ForwardFn, type PlanRun } from './map-run.js';
import { formatMappedSummary, mappedSummary, type MappedSummary } from './map-summary.js';
import { mapModel, type MapOptions, type MappingPlan } from './map.js';
import type { DeviceSpec, MeshDescription } from './mesh.js';
import { expectedStats, type PlanStats } from './stats.js';

export class MappedModel {
  readonly plan: MappingPlan;
  readonly device: DeviceSpec;

  constructor(
    readonly spec: ModelSpec,
    device: DeviceSpec | MeshDescription | string,
    options: MapOptions = {},
  ) {
    this.device = resolveDevice(device);
    this.plan = mapModel(spec, this.device, options);
  }

  summary(): string {
    return formatMappedSummary(this.toJSON());
  }

  toJSON(): MappedSummary {
    return mappedSummary(this.plan, this.spec);
  }

  /** Runs a batch the way the plan schedules it (default forward: the integer reference). */
  run(input: IntBatch, forward?: ForwardFn): Promise<PlanRun> {
    return runPlan(this.plan, this.spec, input, forward);
  }

  /** Frames/s and energy per frame (estimates) from measured or expected statistics. */
  estimate(stats: PlanStats, options?: CostOptions): CostEstimate {
    return estimateCost(this.plan, this.spec, stats, this.device, options);
  }

  /** The estimate without data: a fraction `density` of every layer's outputs non-zero. */
  estimateAt(density: number | number[], inputDensity = 1, options?: CostOptions): CostEstimate {
    return this.estimate(expectedStats(this.plan, this.spec, density, inputDensity), options);
  }
}
