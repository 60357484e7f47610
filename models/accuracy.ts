// Measures the committed reference models: `npx vite-node models/accuracy.ts [dir]`.
// Float and quantized tfjs models, and the converted spikemesh model on the integer reference,
// on the held-out digits and (separately) on all 10,000; plus how often the integer model picks
// the same class as the quantized tfjs model, sample by sample.
import * as tf from '@tensorflow/tfjs';
import { classAccuracy, loadTfjsModel, predictClasses, referenceClasses } from '../src/convert/index.js';
import { loadModel } from '../src/ir/files.js';
import { mnistAll, mnistHeldOut, type Digits } from './mnist.js';

// an optional directory argument measures models written elsewhere (TRAIN_DIR of train.ts)
const HERE = process.argv[2] ? `${process.argv[2].replace(/\/$/, '')}/` : new URL('.', import.meta.url).pathname;

function tfClasses(model: tf.LayersModel, d: Digits): Int32Array {
  const x = tf.tidy(() => tf.tensor4d(d.images, [d.n, 28, 28, 1], 'int32').toFloat().div(255));
  const c = predictClasses(model, x);
  x.dispose();
  return c;
}

async function main() {
  tf.enableProdMode();
  const float = await loadTfjsModel(`${HERE}mnist-cnn/model.json`);
  const q4 = await loadTfjsModel(`${HERE}mnist-cnn-q4/model.json`);
  const spec = await loadModel(`${HERE}mnist-cnn-q4.akida.json`);
  const rows: Array<Record<string, string | number>> = [];
  for (const [name, d] of [['held-out (2,004 digits never trained on)', mnistHeldOut()], ['all 10,000 digits (80% were training data)', mnistAll()]] as const) {
    const t0 = Date.now();
    const f = tfClasses(float, d);
    const q = tfClasses(q4, d);
    const t1 = Date.now();
    const i = referenceClasses(spec, d.images, d.n);
    const t2 = Date.now();
    let same = 0;
    for (let k = 0; k < d.n; k++) if (q[k] === i[k]) same++;
    rows.push({
      set: name,
      n: d.n,
      float: classAccuracy(f, d.labels),
      quantized: classAccuracy(q, d.labels),
      converted: classAccuracy(i, d.labels),
      sameClass: same,
      tfjsSeconds: (t1 - t0) / 1000,
      referenceSeconds: (t2 - t1) / 1000,
    });
  }
  const pct = (x: number | string) => `${(Number(x) * 100).toFixed(2)}%`;
  console.log('| digits | float (tfjs) | 4-bit quantized (tfjs) | converted (spikemesh integer reference) | same class as quantized |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.set} | ${pct(r.float!)} | ${pct(r.quantized!)} | ${pct(r.converted!)} | ${r.sameClass} / ${r.n} (${pct(Number(r.sameClass) / Number(r.n))}) |`);
  }
  console.log(JSON.stringify(rows, null, 1));
}

await main();
