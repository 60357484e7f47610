// Soak test (issue 15; `npm run soak`, outside the test suite): SOAK_BATCHES batches (default
// 10,000) of SOAK_BATCH samples (default 16) of MNIST digits through one Model on the webgpu
// backend. The GPU runner's buffer pool (GpuRunner.allocatedBytes: bytes of every buffer it
// created) and the process RSS must stay flat: after a warm-up, the pool may not grow at all and
// RSS by at most SOAK_RSS_SLACK_MB (default 64 MB; V8 and Dawn settle in steps). Prints the
// figures every tenth of the run and a summary line; exits 1 when a bound is broken.
import { performance } from 'node:perf_hooks';
import { mnistDataset, Model, type ImageBatch } from '../src/index.js';

const BATCHES = Number(process.env.SOAK_BATCHES ?? 10_000);
const BATCH = Number(process.env.SOAK_BATCH ?? 16);
const RSS_SLACK = Number(process.env.SOAK_RSS_SLACK_MB ?? 64) * 2 ** 20;
const WARMUP = Math.min(50, Math.floor(BATCHES / 10));
const MODEL = new URL('../models/mnist-cnn-q4.akida.json', import.meta.url).pathname;

const mb = (b: number) => (b / 2 ** 20).toFixed(1);

async function main(): Promise<number> {
  const model = await Model.load(MODEL, { backend: 'webgpu', specialize: 'never' });
  // 1,000 digits in memory, cycled through
  const batches: ImageBatch[] = [];
  for await (const b of (await mnistDataset()).batches({ batchSize: BATCH, limit: 1000 })) if (b.n === BATCH) batches.push(b);
  // the runner under the Model (private: the soak looks inside on purpose)
  const runner = async () => ((await (model as unknown as { gpu: Promise<{ runner: { allocatedBytes: number } }> }).gpu).runner);

  const t0 = performance.now();
  let poolAfterWarmup = 0;
  let rssAfterWarmup = 0;
  let poolMax = 0;
  let rssMax = 0;
  let checksum = 0;
  const rows: string[] = [];
  for (let i = 0; i < BATCHES; i++) {
    const b = batches[i % batches.length]!;
    const out = await model.forward({ data: Int32Array.from(b.images), n: b.n, shape: b.shape });
    checksum = (checksum + out.data[i % out.data.length]!) | 0;
    const pool = (await runner()).allocatedBytes;
    const rss = process.memoryUsage().rss;
    if (i + 1 === WARMUP) {
      poolAfterWarmup = pool;
      rssAfterWarmup = rss;
    }
    if (i + 1 > WARMUP) {
      poolMax = Math.max(poolMax, pool);
      rssMax = Math.max(rssMax, rss);
    }
    if ((i + 1) % Math.max(1, Math.floor(BATCHES / 10)) === 0 || i + 1 === WARMUP) {
      const s = (performance.now() - t0) / 1000;
      const row = `batch ${String(i + 1).padStart(6)}: pool ${mb(pool)} MB, rss ${mb(rss)} MB, heap ${mb(process.memoryUsage().heapUsed)} MB, ${((i + 1) * BATCH / s).toFixed(0)} samples/s`;
      rows.push(row);
      console.log(row);
    }
  }
  await model.dispose();
  const seconds = (performance.now() - t0) / 1000;
  const poolGrowth = poolMax - poolAfterWarmup;
  const rssGrowth = rssMax - rssAfterWarmup;
  console.log(`soak: ${BATCHES} batches of ${BATCH} (${BATCHES * BATCH} samples) in ${seconds.toFixed(1)} s; after the first ${WARMUP} batches `
    + `the pool went from ${mb(poolAfterWarmup)} MB to at most ${mb(poolMax)} MB (+${mb(poolGrowth)}), `
    + `RSS from ${mb(rssAfterWarmup)} MB to at most ${mb(rssMax)} MB (+${mb(rssGrowth)}); checksum ${checksum}`);
  const broken: string[] = [];
  if (poolGrowth > 0) broken.push(`the GPU pool grew by ${poolGrowth} bytes`);
  if (rssGrowth > RSS_SLACK) broken.push(`RSS grew by ${mb(rssGrowth)} MB (slack ${mb(RSS_SLACK)} MB)`);
  if (broken.length) console.error(`soak FAILED: ${broken.join('; ')}`);
  return broken.length ? 1 : 0;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
