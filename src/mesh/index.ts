// The mesh room's API (tests import it); the public entry `spikemesh/mesh` is src/mesh.ts.
export { defineMesh, MeshError, type DeviceSpec, type MeshDescription, type NpKind, type InputBlock, type CostModel, type ProgramModel, type DeviceFact, type NpSlot, type MeshNode } from './mesh.js';
export { AKD1000, TwoNodesIP, getDevice, listDevices, deviceNames, resolveDevice } from './devices.js';
export { checkModel, checkLayer, formatIssue, type MapIssue } from './map-constraints.js';
export { mapModel, MappingError, type MapOptions, type MapMode, type MappingPlan, type LayerMapping, type MappedPart, type SequenceMapping, type MappingTotals } from './map.js';
export { mappedSummary, formatMappedSummary, type MappedSummary, type MappedSummaryRow } from './map-summary.js';
export { runPlan, referenceForwardFn, type ForwardFn, type PlanRun, type Dispatch } from './map-run.js';
export { measureStats, expectedStats, formatNpStats, type PlanStats, type PartStats, type NpStats } from './stats.js';
export { estimateCost, formatCost, type CostEstimate, type CostOptions } from './cost.js';
export { MappedModel } from './map-model.js';
export { gpuForward, type GpuForward } from './map-gpu.js';
