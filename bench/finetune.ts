// Run: npx vite-node bench/finetune.ts <cpu|webgpu> [samples] (docs/finetune.md has the figures).
// Training speed of finetune() per tfjs backend on a small quantized Fashion-MNIST CNN, and the
// webgpu gradients against cpu on one batch.
import * as tf from '@tensorflow/tfjs';
import { quantize } from '../src/convert/index.js';
import { finetune, lossGradients, selectBackend } from '../src/convert/finetune.js';
import { fashionMnistDataset } from '../src/data/fashion-mnist.js';
import { imagesToTensor } from '../src/convert/evaluate.js';
tf.enableProdMode();
const L = tf.layers;
const S = { scale: 255, shift: 0 };
const which = (process.argv[2] ?? 'cpu') as 'cpu' | 'webgpu';
const limit = Number(process.argv[3] ?? 256);
function build() {
  const m = tf.sequential({ layers: [L.inputLayer({ inputShape: [28, 28, 1] }),
    L.conv2d({ name: 'c1', filters: 16, kernelSize: 3, padding: 'same' }), L.batchNormalization({ name: 'bn1' }), L.reLU({ name: 'r1' }), L.maxPooling2d({ name: 'p1', poolSize: 2 }),
    L.conv2d({ name: 'c2', filters: 32, kernelSize: 3, padding: 'same' }), L.batchNormalization({ name: 'bn2' }), L.reLU({ name: 'r2' }), L.maxPooling2d({ name: 'p2', poolSize: 2 }),
    L.flatten({ name: 'f' }), L.dense({ name: 'd', units: 10 })] });
  let seed = 1;
  for (const l of m.layers) { const ws = l.getWeights(); if (ws.length && l.getClassName() !== 'BatchNormalization') l.setWeights(ws.map((w) => tf.randomNormal(w.shape, 0, w.rank === 1 ? 0.01 : 0.2, 'float32', seed++))); }
  return process.env.FLOAT ? m : quantize(m, { weightBits: 4, activationBits: 4, inputWeightBits: 8 });
}
const data = await fashionMnistDataset({ split: 'train' });
if ((which === 'webgpu' || which === 'cpu') && limit > 0) {
  await selectBackend(which);
  const q = build();
  // warm-up (pipelines compile per shape), then timed
  await finetune(q, data, { epochs: 1, limit: 64, batchSize: 32, inputScaling: S, backend: which, learningRate: 1e-3 });
  const t = performance.now();
  const h = await finetune(q, data, { epochs: 1, limit, batchSize: 32, inputScaling: S, backend: which, learningRate: 1e-3,
    onBatch: (p) => process.stdout.write(`  ${p.batch}/${p.batches} loss ${p.loss.toFixed(3)} acc ${p.accuracy.toFixed(2)} ${p.samplesPerSecond.toFixed(1)}/s\n`) });
  console.log(which, tf.getBackend(), 'samples/s', (limit / ((performance.now() - t) / 1000)).toFixed(1), 'loss first/last', h.batches[0]!.loss.toFixed(3), h.batches.at(-1)!.loss.toFixed(3));
}
if (process.argv[4] === 'grad') {
  // gradients of one batch on both backends, same weights
  const it = data.batches({ batchSize: 32, limit: 32 });
  const b = (await it.next()).value!;
  const run = async (be: 'cpu' | 'webgpu') => {
    await selectBackend(be);
    const q = build();
    const x = imagesToTensor(b.images, b.n, b.shape, S);
    const y = tf.tensor1d(b.labels!, 'int32');
    const g = lossGradients(q, x, y);
    const out = { loss: (await g.loss.data())[0]!, grads: await Promise.all(g.grads.map((t) => t.data())), names: q.trainableWeights.map((w) => w.name) };
    return out;
  };
  const c = await run('cpu');
  const w = await run('webgpu');
  console.log('loss cpu', c.loss, 'webgpu', w.loss);
  c.grads.forEach((gc, i) => {
    const gw = w.grads[i]!;
    let maxAbs = 0, maxRef = 0;
    for (let k = 0; k < gc.length; k++) { maxAbs = Math.max(maxAbs, Math.abs(gc[k]! - gw[k]!)); maxRef = Math.max(maxRef, Math.abs(gc[k]!)); }
    console.log(c.names[i], 'max |diff|', maxAbs.toExponential(2), 'max |g|', maxRef.toExponential(2));
  });
}
process.exit(0);
