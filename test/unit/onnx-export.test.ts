// The ONNX export against the integer oracle: the exported graph run in onnxruntime-node (CPU)
// must give every output integer referenceForward gives, on the committed MNIST model with
// MNIST test digits and on randomized models of every layer kind, pooling, weight and
// activation bit width, with random, all-zero and saturated inputs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import protobuf from 'protobufjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/commands/export.js';
import { mnistDataset } from '../../src/data/mnist.js';
import { exportOnnx } from '../../src/io/onnx-export.js';
import { ONNX_DESCRIPTOR } from '../../src/io/onnx-proto.js';
import { loadModel } from '../../src/ir/files.js';
import { inferShapes } from '../../src/ir/shapes.js';
import type { ActBits, IntBatch, ModelSpec, Pooling, WeightBits } from '../../src/ir/types.js';
import { referenceForward, type ReferenceResult } from '../../src/reference/forward.js';
import { modelInput, randomInput, randomModel, type LayerRecipe } from '../helpers/random-model.js';
import { useTempDir } from '../helpers/temp-dir.js';

interface OnnxValue {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: Array<{ dim_value?: number; dim_param?: string }> } } };
}
interface OnnxGraph {
  input: OnnxValue[];
  output: OnnxValue[];
}

const MNIST_MODEL = new URL('../../models/mnist-cnn-q4.akida.json', import.meta.url).pathname;
const tempDir = useTempDir('spikemesh-onnx-export-');

let compared = 0;
let models = 0;
afterAll(() => {
  console.log(`onnx export: ${compared} integers (outputs and every layer's) compared over ${models} exported models, all equal`);
});

/** A session of the exported model with every layer's output ('layer0', ...) besides 'output'. */
async function session(spec: ModelSpec): Promise<InferenceSession> {
  models++;
  return InferenceSession.create(exportOnnx(spec, { allLayers: true }));
}

function expectEqual(got: Tensor, ref: IntBatch, label: string): void {
  expect(got.type).toBe('int32');
  expect(got.dims, `${label}: dims`).toEqual([ref.n, ...ref.shape]);
  const data = got.data as Int32Array;
  expect(data.length).toBe(ref.data.length);
  for (let i = 0; i < ref.data.length; i++) {
    if (data[i] !== ref.data[i]) {
      const per = ref.data.length / ref.n;
      const c = ref.shape[2];
      const j = i % per;
      throw new Error(`${label}: sample ${Math.floor(i / per)} position (${Math.floor(j / c / ref.shape[1])}, ${Math.floor(j / c) % ref.shape[1]}) `
        + `channel ${j % c}: onnx ${data[i]}, reference ${ref.data[i]}`);
    }
  }
  compared += ref.data.length;
}

/** The graph's output and every layer's output equal the reference's, integer by integer. */
async function expectReference(s: InferenceSession, spec: ModelSpec, input: IntBatch, label: string): Promise<ReferenceResult> {
  const ref = referenceForward(spec, input, true);
  const x = new Tensor('uint8', Uint8Array.from(input.data), [input.n, ...input.shape]);
  const out = await s.run({ input: x });
  expectEqual(out.output!, ref.output, `${label}, output`);
  ref.layers!.forEach((layer, k) => expectEqual(out[`layer${k}`]!, layer, `${label}, layer ${k} '${spec.layers[k]!.name}'`));
  return ref;
}

/** Random, all-zero and saturated batches of one model. */
async function checkModel(spec: ModelSpec, seed: number, label: string): Promise<void> {
  const s = await session(spec);
  try {
    const { shape, bits } = modelInput(spec);
    const batches: Array<[string, IntBatch]> = [
      ['random', randomInput(seed, shape, 1 + (seed % 4), bits, { zeros: (seed % 10) / 10 })],
      ['zeros', randomInput(seed + 1, shape, 2, bits, { zeros: 1 })],
      ['saturated', randomInput(seed + 2, shape, 1, bits, { zeros: 0, saturate: 1 })],
    ];
    for (const [name, input] of batches) await expectReference(s, spec, input, `${label} ${name} batch`);
  } finally {
    await s.release();
  }
}

describe('exportOnnx: the MNIST model', () => {
  it('gives the reference integers on 1000 MNIST test digits, in batches of 1, 7 and 992', async () => {
    const before = compared;
    const spec = await loadModel(MNIST_MODEL);
    const s = await session(spec);
    const it = (await mnistDataset()).batches({ batchSize: 1000, limit: 1000 });
    const { value } = await it.next();
    const images = value!.images;
    const shape = inferShapes(spec.layers).inputs[0]!;
    const size = shape[0] * shape[1] * shape[2];
    const batch = (from: number, n: number): IntBatch => ({ data: Int32Array.from(images.subarray(from * size, (from + n) * size)), n, shape });
    await expectReference(s, spec, batch(0, 1), 'mnist batch of 1');
    await expectReference(s, spec, batch(1, 7), 'mnist batch of 7');
    const big = batch(8, 992);
    const ref = await expectReference(s, spec, big, 'mnist batch of 992');
    await s.release();
    // the plain export (the file `spikemesh export` writes: one output)
    const plain = await InferenceSession.create(exportOnnx(spec));
    const out = await plain.run({ input: new Tensor('uint8', Uint8Array.from(big.data), [big.n, ...big.shape]) });
    expectEqual(out.output!, ref.output, 'mnist, plain export');
    await plain.release();
    console.log(`onnx export: MNIST model, 1000 digits: ${compared - before} integers compared`);
  });
});

const POOLINGS: Array<() => Pooling | Pooling['type']> = [
  () => 'none',
  () => ({ type: 'max', size: [2, 2], stride: [2, 2], padding: 'same' }),
  () => ({ type: 'max', size: [3, 2], stride: [2, 1], padding: 'valid' }),
  () => ({ type: 'max', size: [3, 3], stride: [2, 2], padding: 'same' }),
  () => ({ type: 'average', size: [2, 2], stride: [2, 2] }),
  () => ({ type: 'average', size: [3, 2], stride: [1, 2] }),
  () => 'global_avg',
];
const WEIGHT_BITS: WeightBits[] = [1, 2, 4, 8];
const ACT_BITS: ActBits[] = [1, 2, 4];

describe('exportOnnx: every layer kind, pooling and bit width', () => {
  it('conv kinds x poolings x weight bits, with and without a last activation', async () => {
    let seed = 1000;
    for (const kind of ['InputConvolutional', 'Convolutional', 'SeparableConvolutional'] as const) {
      for (const [p, pooling] of POOLINGS.entries()) {
        for (const [b, weightBits] of WEIGHT_BITS.entries()) {
          seed++;
          const actBits = ACT_BITS[(p + b) % 3]!;
          // 'same' padding keeps the potentials at least 4 x 3 (stride 2) so every window fits
          const last = { kind, weightBits, pooling: pooling(), activation: (p + b) % 2 === 0, actBits, padding: 'same', stride: b === 3 && kind !== 'SeparableConvolutional' ? 2 : 1 } as LayerRecipe;
          const first = kind === 'InputConvolutional' ? 'InputConvolutional' : seed % 2 ? 'InputConvolutional' : 'InputData';
          const channels = first === 'InputConvolutional' ? [1, 3][seed % 2]! : 1 + (seed % 5);
          const layers: LayerRecipe[] = kind === 'InputConvolutional' ? [last] : [first === 'InputData' ? { kind: first } : { kind: first, pooling: 'none', stride: 1, padding: 'same' }, last];
          const spec = randomModel(seed, { inputShape: [7 + (seed % 5), 6 + (seed % 4), channels], layers, thresholds: seed % 3 ? 'mixed' : 'typical' });
          await checkModel(spec, seed, `${kind} pooling ${JSON.stringify(pooling())} w${weightBits} a${actBits} (seed ${seed})`);
        }
      }
    }
  });

  it('FullyConnected: weight bits x act bits, after conv layers and stacked', async () => {
    let seed = 2000;
    for (const weightBits of WEIGHT_BITS) {
      for (const actBits of ACT_BITS) {
        seed++;
        const spec = randomModel(seed, {
          inputShape: [5 + (seed % 4), 4 + (seed % 3), 1 + (seed % 3)],
          layers: [
            { kind: seed % 2 ? 'InputData' : 'InputConvolutional' },
            { kind: 'Convolutional', actBits, pooling: 'max' },
            { kind: 'FullyConnected', weightBits, actBits },
            { kind: 'FullyConnected', weightBits, activation: seed % 3 !== 0, actBits },
          ],
        });
        await checkModel(spec, seed, `FullyConnected w${weightBits} a${actBits} (seed ${seed})`);
      }
    }
  });

  it('threshold modes: saturating and silent layers', async () => {
    let seed = 3000;
    for (const thresholds of ['saturate', 'silent', 'typical', 'mixed'] as const) {
      for (let k = 0; k < 3; k++) {
        seed++;
        await checkModel(randomModel(seed, { thresholds }), seed, `thresholds ${thresholds} (seed ${seed})`);
      }
    }
  });

  it('400 random models (1 to 4 layers) equal the reference on random, zero and saturated inputs', async () => {
    for (let seed = 1; seed <= 400; seed++) {
      const spec = randomModel(seed, { thresholds: seed % 5 === 0 ? 'typical' : 'mixed' });
      await checkModel(spec, seed, `random model seed ${seed}`);
    }
  });

  it('inputs of fewer than 8 bits', async () => {
    for (let seed = 4000; seed < 4012; seed++) {
      const inputBits = 1 + (seed % 7);
      await checkModel(randomModel(seed, { inputBits }), seed, `${inputBits}-bit input (seed ${seed})`);
    }
  });

  it('an InputData-only model returns its input; a batch of 1 and of 7 from one session', async () => {
    const spec = randomModel(7, { inputShape: [3, 4, 2], layers: [{ kind: 'InputData' }] });
    const s = await session(spec);
    await expectReference(s, spec, randomInput(1, [3, 4, 2], 1), 'input only, n=1');
    await expectReference(s, spec, randomInput(2, [3, 4, 2], 7), 'input only, n=7');
    await s.release();
  });
});

describe('exportOnnx: the file', () => {
  it('is ONNX opset 17 with a dynamic batch, uint8 NHWC in, int32 NHWC out, integer ops only', async () => {
    const spec = await loadModel(MNIST_MODEL);
    const bytes = exportOnnx(spec);
    const s = await InferenceSession.create(bytes);
    expect(s.inputNames).toEqual(['input']);
    expect(s.outputNames).toEqual(['output']);
    await s.release();
    const all = await InferenceSession.create(exportOnnx(spec, { allLayers: true }));
    expect(all.outputNames).toEqual(['output', 'layer0', 'layer1', 'layer2', 'layer3']);
    await all.release();
    // decoded with the official onnx.proto
    const m = protobuf.Root.fromJSON(ONNX_DESCRIPTOR).lookupType('onnx.ModelProto').toObject(
      protobuf.Root.fromJSON(ONNX_DESCRIPTOR).lookupType('onnx.ModelProto').decode(bytes), { longs: Number, enums: Number, bytes: String },
    ) as { ir_version: number; opset_import: Array<{ domain?: string; version: number }>; graph: OnnxGraph; metadata_props: Array<{ key: string; value: string }> };
    expect(m.ir_version).toBe(8);
    expect(m.opset_import).toEqual([{ domain: '', version: 17 }]);
    const dims = (v: OnnxValue) => v.type.tensor_type.shape.dim.map((d) => d.dim_param ?? d.dim_value);
    expect(m.graph.input.map((v) => [v.name, v.type.tensor_type.elem_type, dims(v)])).toEqual([['input', 2, ['N', 28, 28, 1]]]);
    expect(m.graph.output.map((v) => [v.name, v.type.tensor_type.elem_type, dims(v)])).toEqual([['output', 6, ['N', 1, 1, 10]]]);
    expect(m.metadata_props).toContainEqual({ key: 'spikemesh.output', value: 'potentials' });
    // every op of every model is one of the documented integer ops (docs/onnx-export.md)
    const ops = new Set<string>();
    for (const sp of [spec, ...Array.from({ length: 40 }, (_, k) => randomModel(k + 1))]) {
      const g = (protobuf.Root.fromJSON(ONNX_DESCRIPTOR).lookupType('onnx.ModelProto').decode(exportOnnx(sp)) as unknown as { graph: { node: Array<{ op_type: string }> } }).graph;
      for (const n of g.node) ops.add(n.op_type);
    }
    const allowed = ['Transpose', 'ConvInteger', 'MatMulInteger', 'MatMul', 'Reshape', 'Flatten', 'Cast', 'Mul', 'Sub', 'Div', 'Clip', 'MaxPool', 'Pad', 'Slice', 'Max', 'Add', 'ReduceSum'];
    expect([...ops].filter((o) => !allowed.includes(o))).toEqual([]);
  });

  it('refuses an invalid spec with a clear error', () => {
    expect(() => exportOnnx({ version: 1, layers: [] })).toThrow(/layers/);
    const spec = randomModel(5, { inputShape: [5, 5, 1], layers: [{ kind: 'InputConvolutional', weightBits: 4 }] });
    const bad = { ...spec, layers: [{ ...spec.layers[0]!, weights: new Int8Array(3) }] };
    expect(() => exportOnnx(bad)).toThrow(/weights/);
    expect(() => exportOnnx(null)).toThrow();
  });

  it('`spikemesh export` writes the file atomically; a tfjs model.json is refused', async () => {
    const program = new Command('spikemesh').exitOverride();
    register(program);
    const out = join(tempDir(), 'mnist.onnx');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await program.parseAsync(['export', MNIST_MODEL, '--onnx', out], { from: 'user' });
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(/wrote .*mnist\.onnx.*output int32 \[N, 1, 1, 10\]/);
    } finally {
      write.mockRestore();
    }
    const bytes = new Uint8Array(await readFile(out));
    expect(bytes).toEqual(exportOnnx(await loadModel(MNIST_MODEL)));
    const tfjs = join(tempDir(), 'model.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(tfjs, JSON.stringify({ format: 'layers-model', modelTopology: {} })));
    await expect(program.parseAsync(['export', tfjs, '--onnx', join(tempDir(), 'x.onnx')], { from: 'user' })).rejects.toThrow(/tfjs model: convert it first/);
    const missing = join(tempDir(), 'missing.json');
    await expect(program.parseAsync(['export', missing, '--onnx', join(tempDir(), 'y.onnx')], { from: 'user' })).rejects.toThrow(/missing\.json/);
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(tempDir())).sort()).toEqual(['mnist.onnx', 'model.json']);
  });
});
