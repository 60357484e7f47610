// The tfjs baselines of the benchmark: tfjs-backend-webgpu running the float model on the same
// GPUDevice as spikemesh (DESIGN.md section 6: its kernels are registered under the backend
// name 'webgpu', so that backend is replaced by one built on our device), and the tfjs CPU
// backend. Both are timed the same way: one untimed predict on the timed batch (tfjs compiles
// a pipeline per shape), then the best of `runs` predicts with the output read back.
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { AcquiredDevice } from '../src/gpu/device.js';
import { settle } from '../src/gpu/settle.js';
import type { IntBatch, InputScaling } from '../src/ir/types.js';

/** Makes tfjs's 'webgpu' backend run on `acquired.device` (shared with spikemesh). */
export async function shareDeviceWithTfjs(acquired: AcquiredDevice): Promise<void> {
  // WebGPUBackend's constructor checks navigator.gpu, which Node lacks
  const g = globalThis as { navigator?: { gpu?: GPU } };
  g.navigator ??= {};
  g.navigator.gpu ??= acquired.gpu;
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(acquired.device, acquired.adapter.info));
}

export interface TfjsTiming {
  backend: string;
  samples: number;
  runs: number;
  bestSeconds: number;
  samplesPerSecond: number;
}

/** Float input of the tfjs model from 8-bit images: (x - shift) / scale, as the converter maps it. */
function floatInput(input: IntBatch, n: number, scaling: InputScaling): tf.Tensor4D {
  const size = input.data.length / input.n;
  return tf.tidy(() => tf.tensor4d(Float32Array.from(input.data.subarray(0, n * size)), [n, ...input.shape]).sub(scaling.shift).div(scaling.scale) as tf.Tensor4D);
}

/**
 * Samples/s of `predict` on the first `samples` images, on the named tfjs backend. The model is
 * built by `load` after the backend is selected, so its weights live on that backend (tfjs
 * cannot read webgpu tensors back synchronously in Node to move them to the CPU).
 */
export async function timeTfjs(
  load: () => tf.LayersModel | Promise<tf.LayersModel>,
  input: IntBatch,
  opts: { backend: 'webgpu' | 'cpu'; samples: number; scaling: InputScaling; runs?: number },
): Promise<TfjsTiming> {
  if (!(await tf.setBackend(opts.backend))) throw new Error(`tfjs backend '${opts.backend}' did not initialise`);
  await tf.ready();
  const n = Math.min(opts.samples, input.n);
  const runs = opts.runs ?? 2;
  const model = await load();
  const x = floatInput(input, n, opts.scaling);
  try {
    const once = async () => {
      const y = model.predict(x, { batchSize: n }) as tf.Tensor;
      try {
        await settle(y.data()); // the same throttled wait as spikemesh's readback
      } finally {
        y.dispose();
      }
    };
    await once();
    let best = Infinity;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await once();
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return { backend: opts.backend, samples: n, runs, bestSeconds: best, samplesPerSecond: n / best };
  } finally {
    x.dispose();
    model.dispose();
  }
}

/**
 * A float tfjs network with the shapes of bench/engine.ts's synthetic spiking network (conv 3x3x16
 * + max pool, conv 3x3x32 + max pool, conv or separable 3x3x64, dense 10; ReLU between), with
 * seeded random weights: the tfjs side of the comparison when no committed float model exists.
 */
export function benchFloatTwin(separable = false): tf.Sequential {
  const L = tf.layers;
  let seed = 7;
  const init = () => tf.initializers.heNormal({ seed: seed++ });
  return tf.sequential({
    name: 'mnist_bench_float',
    layers: [
      L.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      L.maxPooling2d({ poolSize: 2 }),
      separable
        ? L.separableConv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', depthwiseInitializer: init(), pointwiseInitializer: init() })
        : L.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      L.flatten(),
      L.dense({ units: 10, kernelInitializer: init() }),
    ],
  });
}
