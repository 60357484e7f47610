// The .json + .bin format: round trips and every way a file pair can be wrong.
import { describe, expect, it } from 'vitest';
import { deserializeModel, serializeModel, type ModelJson } from '../../src/ir/io.js';
import type { ModelSpec } from '../../src/ir/types.js';
import { ModelError, validateModel } from '../../src/ir/validate.js';
import { act, dense, inputConv, model } from '../helpers/builders.js';
import { randomModel } from '../helpers/random-model.js';

/** Extreme but valid values of every dtype: int8 +-127, int32 thresholds near +-2^30, uint16 65535. */
function edgeModel(): ModelSpec {
  return {
    ...model(
      inputConv({
        name: 'ic', inputShape: [3, 3, 1], inputBits: 1, kernel: [1, 1], filters: 2, weights: [127, -127],
        activation: act(4, [-(2 ** 30), 2 ** 30 - 1], [65535, 1]),
      }),
      dense({ name: 'fc', units: 1, weights: Array.from({ length: 18 }, (_, i) => (i % 2 ? -127 : 127)), activation: null }),
    ),
    name: 'edge',
    inputScaling: { scale: 255, shift: -0.5 },
    metadata: { source: 'hand', bits: [8, 4] },
  };
}

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    return (e as Error).message;
  }
  throw new Error('no error thrown');
}

describe('serializeModel / deserializeModel', () => {
  it('round-trips random models exactly, through JSON text', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const spec = randomModel(seed);
      const { json, bin } = serializeModel(spec, { weightsFile: 'model.bin' });
      const back = deserializeModel(JSON.stringify(json), bin.slice().buffer);
      expect(back).toEqual(validateModel(spec));
    }
  });

  it('round-trips extreme values of every dtype and the model-level fields', () => {
    const spec = edgeModel();
    const { json, bin } = serializeModel(spec);
    expect(deserializeModel(JSON.parse(JSON.stringify(json)), bin)).toEqual(spec);
  });

  it('writes a manifest of aligned arrays and no arrays in the JSON', () => {
    const { json, bin } = serializeModel(edgeModel(), { weightsFile: 'edge.bin' });
    expect(json.format).toBe('spikemesh-model');
    expect(json.weightsFile).toBe('edge.bin');
    expect(json.weightsManifest).toEqual([
      { name: 'layers/0/weights', dtype: 'int8', offset: 0, length: 2 },
      { name: 'layers/0/activation/threshold', dtype: 'int32', offset: 8, length: 2 },
      { name: 'layers/0/activation/actStep16', dtype: 'uint32', offset: 16, length: 2 },
      { name: 'layers/1/weights', dtype: 'int8', offset: 24, length: 18 },
    ]);
    expect(bin.byteLength).toBe(24 + 18);
    // little-endian int32 at offset 8: -2^30 = 0xC0000000
    expect(Array.from(bin.subarray(8, 12))).toEqual([0x00, 0x00, 0x00, 0xc0]);
    expect(json.layers[0]).toMatchObject({ activation: { bits: 4 } });
    expect(JSON.stringify(json)).not.toMatch(/"(weights|depthwise|pointwise|threshold|actStep16)":/);
  });

  it('reads the uint16 actStep16 of files written before act_step reached 65535.9375, widened', () => {
    const { json, bin } = serializeModel(edgeModel());
    const entry = json.weightsManifest[2]!;
    expect(entry.name).toBe('layers/0/activation/actStep16');
    // the same steps as a legacy file stored them: two little-endian uint16 at the entry's offset
    const steps = Array.from(new Uint32Array(bin.slice(16, 24).buffer));
    const legacy = bin.slice();
    new DataView(legacy.buffer).setUint16(16, steps[0]!, true);
    new DataView(legacy.buffer).setUint16(18, steps[1]!, true);
    legacy.fill(0, 20, 24);
    const spec = deserializeModel({ ...json, weightsManifest: json.weightsManifest.map((e) => (e === entry ? { ...e, dtype: 'uint16' as const } : e)) }, legacy);
    const act = (spec.layers[0] as { activation: { actStep16: Uint32Array } }).activation;
    expect(act.actStep16).toBeInstanceOf(Uint32Array);
    expect(Array.from(act.actStep16)).toEqual([65535, 1]);
  });

  it('reads a .bin that is a view into a larger buffer', () => {
    const { json, bin } = serializeModel(edgeModel());
    const big = new Uint8Array(bin.length + 13);
    big.set(bin, 5);
    expect(deserializeModel(json, big.subarray(5, 5 + bin.length))).toEqual(edgeModel());
  });

  it('writes and reads arrays inline, without a .bin', () => {
    const { json, bin } = serializeModel(edgeModel(), { inline: true });
    expect(bin.byteLength).toBe(0);
    expect(json.weightsManifest).toEqual([]);
    expect(json.layers[0]!.weights).toEqual([127, -127]);
    expect(deserializeModel(JSON.parse(JSON.stringify(json)))).toEqual(edgeModel());
  });

  it('refuses to serialize an invalid model', () => {
    const spec = edgeModel();
    (spec.layers[1] as { weightBits: number }).weightBits = 4;
    expect(messageOf(() => serializeModel(spec))).toBe("layer 1 'fc': weights[0] is 127, expected an integer in [-7, 7] (4-bit weights)");
  });
});

describe('deserializeModel errors name the file and the field', () => {
  const pair = () => {
    const { json, bin } = serializeModel(edgeModel(), { weightsFile: 'edge.bin' });
    return { json: JSON.parse(JSON.stringify(json)) as ModelJson & Record<string, unknown>, bin };
  };

  it('a truncated .bin', () => {
    const { json, bin } = pair();
    expect(messageOf(() => deserializeModel(json, bin.slice(0, 30), 'edge.json'))).toBe('edge.json: edge.bin is 30 bytes, the manifest needs 42');
  });

  it('a .bin longer than its manifest, naming the extra bytes (issue 15)', () => {
    const { json, bin } = pair();
    const longer = new Uint8Array(bin.length + 5);
    longer.set(bin);
    expect(messageOf(() => deserializeModel(json, longer, 'edge.json')))
      .toBe('edge.json: edge.bin is 47 bytes, the manifest describes 42: 5 extra bytes after the last array (is it the weights file of this JSON?)');
  });

  it('invalid JSON: where, never the text itself (issue 15)', () => {
    const secret = '{"format": "spikemesh-model", "layers": SECRET-CONTENT}';
    const m = messageOf(() => deserializeModel(secret, undefined, 'edge.json'));
    expect(m).toMatch(/^edge\.json: invalid JSON \(syntax error/);
    expect(m).not.toContain('SECRET');
    expect(messageOf(() => deserializeModel('{"a": ', undefined, 'edge.json'))).toBe('edge.json: invalid JSON (the text ends early)');
  });

  it('a missing .bin', () => {
    const { json } = pair();
    expect(messageOf(() => deserializeModel(json, undefined, 'edge.json'))).toBe('edge.json: the manifest lists 4 arrays but edge.bin is missing');
  });

  it('an unknown or mismatched dtype', () => {
    const { json, bin } = pair();
    json.weightsManifest[1]!.dtype = 'float32' as never;
    expect(messageOf(() => deserializeModel(json, bin, 'edge.json')))
      .toBe(`edge.json: weightsManifest[1].dtype is "float32", expected one of 'int8', 'int32', 'uint32', 'uint16'`);
    json.weightsManifest[1]!.dtype = 'int8';
    expect(messageOf(() => deserializeModel(json, bin, 'edge.json')))
      .toBe(`edge.json: weightsManifest[1].dtype is "int8", expected 'int32' for layers/0/activation/threshold`);
  });

  it('manifest entries naming no array, a missing layer, twice the same array, or a bad offset', () => {
    const cases: [(j: ModelJson) => void, string][] = [
      [(j) => void (j.weightsManifest[0]!.name = 'layers/0/bias'), `edge.json: weightsManifest[0].name is "layers/0/bias", expected an array field (weights, depthwise, pointwise, threshold, actStep16)`],
      [(j) => void (j.weightsManifest[0]!.name = 'layers/5/weights'), `edge.json: weightsManifest[0].name is "layers/5/weights", expected a layer index below 2`],
      [(j) => void (j.weightsManifest[0]!.name = 'weights'), `edge.json: weightsManifest[0].name is "weights", expected 'layers/<index>/<field>'`],
      [(j) => void (j.weightsManifest[3]!.name = 'layers/0/weights'), `edge.json: weightsManifest[3].name is "layers/0/weights", expected a name listed once`],
      [(j) => void (j.weightsManifest[1]!.offset = 6), 'edge.json: weightsManifest[1].offset is 6, expected a non-negative multiple of 4'],
      [(j) => void (j.weightsManifest[0]!.length = -1), 'edge.json: weightsManifest[0].length is -1, expected a non-negative integer'],
      [(j) => void (j.weightsManifest[1]!.name = 'layers/1/activation/threshold'), `edge.json: weightsManifest[1].name is "layers/1/activation/threshold", expected the path of an object field of that layer`],
    ];
    for (const [edit, message] of cases) {
      const { json, bin } = pair();
      edit(json);
      expect(messageOf(() => deserializeModel(json, bin, 'edge.json'))).toBe(message);
    }
  });

  it('corrupted JSON text', () => {
    const text = JSON.stringify(pair().json).slice(0, 100);
    expect(messageOf(() => deserializeModel(text, pair().bin, 'edge.json'))).toMatch(/^edge\.json: invalid JSON \(.+\)$/);
  });

  it('a document that is not a spikemesh model', () => {
    expect(messageOf(() => deserializeModel({ modelTopology: {}, weightsManifest: [] }, undefined, 'tf.json')))
      .toBe("tf.json: format is missing, expected 'spikemesh-model' (this is a tfjs model: convert it first)");
    expect(messageOf(() => deserializeModel([1, 2], undefined, 'x.json'))).toBe('x.json: the document is [1, 2], expected a JSON object');
  });

  it('bad layer fields, through validateModel with the file name', () => {
    const { json, bin } = pair();
    (json.layers[0] as Record<string, unknown>).kernel = 'x';
    expect(messageOf(() => deserializeModel(json, bin, 'edge.json')))
      .toBe(`edge.json: layer 0 'ic': kernel is "x", expected a pair [height, width]`);
    const again = pair();
    again.json.version = 3 as never;
    expect(messageOf(() => deserializeModel(again.json, again.bin, 'edge.json'))).toBe('edge.json: version is 3, expected 1');
  });

  it('an array both inline and in the manifest', () => {
    const { json, bin } = pair();
    (json.layers[1] as Record<string, unknown>).weights = Array(18).fill(1);
    expect(messageOf(() => deserializeModel(json, bin, 'edge.json')))
      .toBe('edge.json: weightsManifest[3].name is "layers/1/weights", expected an array not also written inline in the layer');
  });
});
