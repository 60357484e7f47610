// `spikemesh devices`: the built-in virtual devices, their NP kinds and limits, and where
// each number comes from (assumptions marked).
import type { Command } from 'commander';
import { listDevices, type DeviceSpec } from '../../mesh.js';

function deviceJson(d: DeviceSpec) {
  return {
    name: d.name,
    description: d.description,
    nps: d.nps.length,
    nodes: d.nodes.length,
    mesh: [d.cols, d.rows],
    npsPerNode: d.nodes[0]?.nps.length ?? 0,
    nodeSlots: d.nodes[0]?.nps.map((n) => n.kinds) ?? [],
    // JSON has no Infinity: no column limit is written as null
    npKinds: Object.values(d.npKinds).map((k) => ({ ...k, maxColumns: Number.isFinite(k.maxColumns) ? k.maxColumns : null })),
    inputBlock: d.inputBlock,
    minNeuronsPerNp: d.minNeuronsPerNp,
    program: d.program,
    cost: d.cost,
    facts: d.facts,
  };
}

function deviceText(d: DeviceSpec): string {
  const lines = [`${d.name}: ${d.description}`];
  lines.push(`  ${d.nps.length} NPs: ${d.nodes.length} nodes (${d.cols}x${d.rows} mesh) of ${d.nodes[0]?.nps.length ?? 0} NPs; slot kinds ${d.nodes[0]?.nps.map((n) => n.kinds.join('/')).join(', ')}`);
  for (const k of Object.values(d.npKinds)) {
    const cols = Number.isFinite(k.maxColumns) ? `${k.maxColumns} columns` : 'no column limit';
    lines.push(`  ${k.name}: runs ${k.layers.join(', ')}; ${k.maxNeurons} neurons, ${k.weightBytes.toLocaleString('en-US')} weight bytes, ${cols}`);
  }
  if (d.inputBlock) {
    const b = d.inputBlock;
    lines.push(`  input block: InputConvolutional, width ${b.minWidth}-${b.maxWidth}, height >= ${b.minHeight}`);
  } else {
    lines.push('  no input block: InputConvolutional runs in software');
  }
  lines.push('  facts (A = our assumption):');
  for (const f of d.facts) lines.push(`   ${f.assumption ? 'A' : ' '} ${f.what}: ${f.value} [${f.source}]`);
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('devices')
    .description('list the virtual devices (NP mesh, limits, sources of the numbers)')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const devices = listDevices();
      process.stdout.write(
        opts.json ? `${JSON.stringify(devices.map(deviceJson), null, 2)}\n` : `${devices.map(deviceText).join('\n\n')}\n`,
      );
    });
}
