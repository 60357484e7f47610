// The temporal-mode benchmark: the committed float MNIST model (models/mnist-cnn), normalised
// with ECC on 200 digits, simulated with a constant input for T steps on the WebGPU pipeline
// and on the TypeScript reference in the same process. Prints samples x timesteps per second
// for both, their ratio, whether their outputs are identical, and the GPU time per kernel.
//   npx vite-node bench/temporal.ts [timesteps=50] [gpu-samples=200] [reference-samples=10]
import * as tf from '@tensorflow/tfjs';
import { loadTfjsModel } from '../src/convert/index.js';
import { mnistDataset } from '../src/data/mnist.js';
import { defaultDevice, GpuRunner } from '../src/gpu/index.js';
import {
  calibrateActivations, floatNetFromTfjs, GpuSpikingNet, simulate, spikingNetFromFloat, type TemporalResult,
} from '../src/temporal/index.js';

const MODEL = new URL('../models/mnist-cnn/model.json', import.meta.url).pathname;

async function digits(n: number): Promise<Int32Array> {
  const ds = await mnistDataset();
  for await (const b of ds.batches({ batchSize: n, limit: n })) return Int32Array.from(b.images);
  throw new Error('mnist: no images');
}

function same(a: TemporalResult, b: TemporalResult, n: number): boolean {
  const units = a.units;
  return a.checkpoints.every((c, i) => {
    const d = b.checkpoints[i]!;
    for (let j = 0; j < n * units; j++) {
      if (c.count[j] !== d.count[j] || c.charge[j] !== d.charge[j] || c.firstSpike[j] !== d.firstSpike[j]) return false;
    }
    return true;
  });
}

async function main() {
  const T = Number(process.argv[2] ?? 50);
  const nGpu = Number(process.argv[3] ?? 200);
  const nRef = Number(process.argv[4] ?? 10);
  tf.enableProdMode();
  const fnet = floatNetFromTfjs(await loadTfjsModel(MODEL));
  const images = await digits(Math.max(nGpu, nRef) + 200);
  const cal = calibrateActivations(fnet, images.subarray(images.length - 200 * 784), 200, 1 / 255);
  const net = spikingNetFromFloat(fnet, cal, { method: 'ecc' });
  const batch = (n: number) => ({ data: images.subarray(0, n * 784), n, shape: [28, 28, 1] as [number, number, number] });
  const opts = { timesteps: T };

  const { device, info } = await defaultDevice();
  const runner = new GpuRunner(device);
  const profile = new Map<string, number>();
  const hasTimestamps = device.features.has('timestamp-query');
  const qs = hasTimestamps ? device.createQuerySet({ type: 'timestamp', count: 4096 }) : null;
  const labels: string[] = [];
  if (qs) {
    // time every dispatch of the measured run with timestamp queries
    const dispatch = runner.dispatch.bind(runner);
    runner.dispatch = (enc, kernel, params, bindings, wg, label) => {
      const q = labels.length * 2;
      if (q + 2 > 4096) return dispatch(enc, kernel, params, bindings, wg, label);
      labels.push(label.replace(/^temporal:/, '').replace(/:\d+$/, ''));
      dispatch(enc, kernel, params, bindings, wg, label, { querySet: qs, beginningOfPassWriteIndex: q, endOfPassWriteIndex: q + 1 });
    };
  }
  const g = new GpuSpikingNet(runner, net);
  await g.run(batch(2), { timesteps: 2 }); // warm-up: pipelines
  labels.length = 0;
  const t0 = performance.now();
  const gpu = await g.run(batch(nGpu), opts);
  const gpuSeconds = (performance.now() - t0) / 1000;
  if (qs && labels.length) {
    const bytes = labels.length * 16;
    const resolve = device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const read = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = device.createCommandEncoder();
    enc.resolveQuerySet(qs, 0, labels.length * 2, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, read, 0, bytes);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const ts = new BigUint64Array(read.getMappedRange());
    labels.forEach((l, i) => profile.set(l, (profile.get(l) ?? 0) + Number(ts[2 * i + 1]! - ts[2 * i]!) / 1e6));
  }
  g.dispose();

  const t1 = performance.now();
  const ref = simulate(net, batch(nRef), opts);
  const refSeconds = (performance.now() - t1) / 1000;

  const gpuRate = (nGpu * T) / gpuSeconds;
  const refRate = (nRef * T) / refSeconds;
  console.log(`adapter: ${info.description || info.device || info.vendor} (${info.vendor}, ${info.architecture}${info.software ? ', software' : ''}), ${info.environment}`);
  console.log(`date: ${new Date().toISOString()}`);
  console.log(`\ntemporal: models/mnist-cnn (float, ECC CN+TRE, fixed point ${JSON.stringify(net.metadata?.fractionBits)}), constant input, T = ${T}`);
  console.log(`  spikes per neuron per step: ${gpu.stats.layers.map((l) => (l.spikes.reduce((a, b) => a + b, 0) / (l.neurons * nGpu * T)).toFixed(3)).join(', ')}`);
  console.log(`  webgpu:    ${gpuRate.toFixed(0).padStart(7)} samples x steps/s = ${(gpuRate / T).toFixed(2)} samples/s at T = ${T} (${nGpu} samples, ${gpuSeconds.toFixed(1)} s)`);
  console.log(`  reference: ${refRate.toFixed(0).padStart(7)} samples x steps/s = ${(refRate / T).toFixed(2)} samples/s at T = ${T} (${nRef} samples, ${refSeconds.toFixed(1)} s)`);
  console.log(`  ratio:     ${(gpuRate / refRate).toFixed(2)}x  (outputs identical on the ${nRef} shared samples: ${same(gpu, ref, nRef)})`);
  if (profile.size) {
    const total = [...profile.values()].reduce((a, b) => a + b, 0);
    console.log(`  GPU time per kernel (timestamp-query), total ${total.toFixed(0)} ms:`);
    for (const [k, ms] of profile) console.log(`    ${k.padEnd(48)} ${ms.toFixed(1).padStart(9)} ms`);
  }
  runner.dispose();
}

await main();
