// Small meshes for the mapper tests: nodes of two CNP + FNP pairs on one row, with NPs narrow
// enough that layers split into column bands, filter groups and passes.
import { AKD1000_DESCRIPTION } from '../../src/mesh/devices.js';
import { defineMesh, type DeviceSpec, type MeshDescription } from '../../src/mesh/mesh.js';

export interface TinyMeshOptions {
  /** neurons of an FNP (default: those of a CNP) */
  fnpNeurons?: number;
  /** weight memory of every NP (default 4096) */
  weightBytes?: number;
  /** the rest of the description (default: only the AKD1000 input block) */
  base?: Partial<MeshDescription>;
}

/** `nodes` nodes; CNPs of `columns` input columns and `neurons` neurons. */
export function tinyMesh(name: string, nodes: number, columns: number, neurons: number, o: TinyMeshOptions = {}): DeviceSpec {
  const weightBytes = o.weightBytes ?? 4096;
  return defineMesh({
    ...(o.base ?? { inputBlock: AKD1000_DESCRIPTION.inputBlock }),
    name,
    cols: nodes,
    rows: 1,
    nodeSlots: [['CNP', 'FNP'], ['CNP', 'FNP']],
    npKinds: [
      { name: 'CNP', layers: ['Convolutional', 'SeparableConvolutional'], maxNeurons: neurons, weightBytes, maxColumns: columns },
      { name: 'FNP', layers: ['FullyConnected'], maxNeurons: o.fnpNeurons ?? neurons, weightBytes, maxColumns: Infinity },
    ],
  });
}
