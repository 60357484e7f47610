// `spikemesh devices` and `spikemesh map`, run in-process through the CLI's main().
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/ir/files.js';
import { AKD1000_DESCRIPTION } from '../../src/mesh/devices.js';
import { cli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { dsCnnKws, ModelBuilder } from './map-models.js';

const dir = useTempDir('spikemesh-map-');
let kws = '';
let mixed = '';
beforeAll(async () => {
  kws = (await saveModel(dsCnnKws(), join(dir(), 'kws.json'))).json;
  const m = new ModelBuilder([6, 6, 2], 1).inputData('input', 4).conv('ok', 4).conv('bad_kernel', 4, { kernel: 4 }).build('mixed');
  mixed = (await saveModel(m, join(dir(), 'mixed.json'))).json;
});

describe('spikemesh devices', () => {
  it('lists the devices with their NPs and marked assumptions', async () => {
    const r = await cli('devices');
    expect(r.code).toBe(0);
    expect(r.out).toContain('AKD1000: ');
    expect(r.out).toContain('80 NPs: 20 nodes (5x4 mesh) of 4 NPs');
    expect(r.out).toContain('TwoNodesIP: ');
    expect(r.out).toMatch(/\n {3}A nodes: 20 nodes of 4 NPs/);
  });

  it('--json', async () => {
    const r = await cli('devices', '--json');
    const list = JSON.parse(r.out) as Array<{ name: string; nps: number; npKinds: Array<{ name: string; maxColumns: number | null }> }>;
    expect(list.map((d) => [d.name, d.nps])).toEqual([
      ['AKD1000', 80],
      ['TwoNodesIP', 8],
    ]);
    expect(list[0]!.npKinds.find((k) => k.name === 'FNP')!.maxColumns).toBeNull();
  });
});

describe('spikemesh map', () => {
  it('prints the per-layer mapping of a model', async () => {
    const r = await cli('map', kws, '--device', 'AKD1000');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Model summary: ds_cnn_kws mapped on AKD1000 (80 NPs, mode allNps)');
    expect(r.out).toContain('Sequence 0: HW/conv_0-dense_5 (Hardware) - 1 pass, program');
    expect(r.out).toMatch(/conv_0 \(InputConv\.\)\s+\[25, 5, 64\]\s+hardware\s+0\s+input block/);
    expect(r.out).toMatch(/separable_1 \(Sep\.Conv\.\)\s+\[25, 5, 64\]\s+hardware\s+0\s+16\s+0-3\s+16 filter groups/);
  });

  it('--json gives NPs, nodes, sequence, pass, backend and program bytes per layer', async () => {
    const r = await cli('map', kws, '--json', '--mode', 'minimal');
    const j = JSON.parse(r.out);
    expect(j.totals).toMatchObject({ sequences: 1, passes: 1, nps: 5 });
    expect(j.layers[1]).toMatchObject({ name: 'separable_1', backend: 'hardware', sequence: 0, passes: [0], nps: [0], nodes: [0], units: ['np'] });
    expect(j.layers[1].programBytes).toBeGreaterThan(0);
    expect(j.layers[1].parts[0]).toMatchObject({ filters: [0, 64], cols: [0, 5], np: 0, node: 0, npKind: 'CNP', pass: 0 });
  });

  it('shows software layers with their reasons, and --hw-only fails with them', async () => {
    const r = await cli('map', mixed);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Sequence 1: SW/bad_kernel (Software)');
    expect(r.out).toContain('bad_kernel runs in software: kernel 4x4; supported: 1x1, 3x3, 5x5, 7x7 [conv/kernel]; fix:');
    const f = await cli('map', mixed, '--hw-only');
    expect(f.code).toBe(1);
    expect(f.err).toContain("spikemesh: model 'mixed' cannot map entirely on AKD1000 (hwOnly):");
    expect(f.err).toContain("layer 2 'bad_kernel': kernel 4x4");
  });

  it('--density adds a labelled cost estimate', async () => {
    const r = await cli('map', kws, '--density', '0.3');
    expect(r.out).toContain('Cost ESTIMATE on AKD1000');
    const j = JSON.parse((await cli('map', kws, '--density', '0.3', '--json')).out);
    expect(j.estimate.label).toBe('estimate');
    expect(j.estimate.framesPerSecond).toBeGreaterThan(0);
  });

  it('takes a mesh description file as --device', async () => {
    const mesh = join(dir(), 'mesh.json');
    await writeFile(mesh, JSON.stringify({ ...AKD1000_DESCRIPTION, name: 'half', rows: 2, npKinds: AKD1000_DESCRIPTION.npKinds.map((k) => ({ ...k, maxColumns: Number.isFinite(k.maxColumns) ? k.maxColumns : null })) }));
    const j = JSON.parse((await cli('map', kws, '--device', mesh, '--json')).out);
    expect([j.device, j.deviceNps]).toEqual(['half', 40]);
  });

  it('usage errors exit 2', async () => {
    expect((await cli('map', kws, '--device', 'AKD9')).code).toBe(2);
    expect((await cli('map', kws, '--mode', 'most')).code).toBe(2);
    expect((await cli('map', kws, '--density', '2')).code).toBe(2);
    const missing = await cli('map', kws, '--device', join(dir(), 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read the mesh description (ENOENT)');
  });
});
