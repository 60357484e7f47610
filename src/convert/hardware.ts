// Hardware issues of a converted model: the scheduler's Akida 1.0 constraint checks
// (src/mesh/map-constraints.ts) on a device, AKD1000 unless told otherwise, as issues.
import type { ModelSpec } from '../ir/types.js';
import { checkModel } from '../mesh/map-constraints.js';
import { AKD1000 } from '../mesh/devices.js';
import type { DeviceSpec } from '../mesh/mesh.js';
import type { CompatibilityIssue } from './issues.js';

export function hardwareIssues(spec: ModelSpec, device: DeviceSpec = AKD1000()): CompatibilityIssue[] {
  return checkModel(spec, device).flat().map((i) => ({
    layer: i.name,
    kind: 'hardware' as const,
    message: `${i.reason} [${i.rule}]`,
    fix: i.fix,
  }));
}
