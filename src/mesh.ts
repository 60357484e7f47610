// `spikemesh/mesh`: virtual Akida devices, mapping, per-NP statistics, cost model
// (re-exports only; docs/mesh.md).
export {
  defineMesh,
  MeshError,
  type CostModel,
  type DeviceFact,
  type DeviceSpec,
  type InputBlock,
  type MeshDescription,
  type MeshNode,
  type NpKind,
  type NpSlot,
  type ProgramModel,
} from './mesh/mesh.js';
export { AKD1000, TwoNodesIP, getDevice, listDevices, resolveDevice } from './mesh/devices.js';
export { checkModel as checkMapping, formatIssue as formatMapIssue, type MapIssue } from './mesh/map-constraints.js';
export {
  mapModel,
  MappingError,
  type LayerMapping,
  type MapMode,
  type MapOptions,
  type MappedPart,
  type MappingPlan,
  type MappingTotals,
  type SequenceMapping,
} from './mesh/map.js';
export { mappedSummary, formatMappedSummary, type MappedSummary, type MappedSummaryRow } from './mesh/map-summary.js';
export { MappedModel } from './mesh/map-model.js';
export { runPlan, type Dispatch, type ForwardFn, type PlanRun } from './mesh/map-run.js';
export { gpuForward, type GpuForward } from './mesh/map-gpu.js';
export { expectedStats, formatNpStats, type NpStats, type PartStats, type PlanStats } from './mesh/stats.js';
export { estimateCost, formatCost, type CostEstimate, type CostOptions } from './mesh/cost.js';
