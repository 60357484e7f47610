// README, "Build a compatible model from blocks": the example is taken from README.md and run as
// it is written (its imports bound to the package entries' sources), in a temporary directory;
// what it prints must be what the README says it prints, and the model it saves loads and runs.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const README = new URL('../../README.md', import.meta.url);
const HEADING = '### Build a compatible model from blocks';

/** The section's first ```ts block and the ``` block after it (what it prints). */
function exampleOf(readme: string): { code: string; prints: string } {
  const at = readme.indexOf(HEADING);
  if (at < 0) throw new Error(`README.md has no section '${HEADING}'`);
  const section = readme.slice(at + HEADING.length).split(/\n#{1,3} /)[0]!;
  const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
  const code = blocks.find((b) => b[1] === 'ts');
  const prints = blocks[blocks.indexOf(code!) + 1];
  if (!code || !prints) throw new Error(`'${HEADING}': expected a \`\`\`ts block and the output it prints`);
  return { code: code[2]!, prints: prints[2]! };
}

/** The imports as bindings from `modules`, so the rest of the code runs as written. */
function bindImports(code: string): { body: string; specifiers: string[] } {
  const specifiers: string[] = [];
  const body = code.replace(/^import\s+(\*\s+as\s+(\w+)|\{([^}]*)\})\s+from\s+'([^']+)';$/gm, (_m, _what, ns: string | undefined, names: string | undefined, spec: string) => {
    specifiers.push(spec);
    return ns ? `const ${ns} = modules[${JSON.stringify(spec)}];` : `const {${names} } = modules[${JSON.stringify(spec)}];`;
  });
  if (/^\s*import\b/m.test(body)) throw new Error('an import the test cannot bind');
  return { body, specifiers };
}

describe('README: Build a compatible model from blocks', () => {
  it('the example runs as written: check says convertible once quantized and AKD1000, the saved model loads and runs', async () => {
    const { code, prints } = exampleOf(await readFile(README, 'utf8'));
    const { body, specifiers } = bindImports(code);
    const tf = await import('@tensorflow/tfjs');
    tf.enableProdMode();
    const modules: Record<string, unknown> = {
      '@tensorflow/tfjs': tf,
      spikemesh: await import('../../src/index.js'),
      'spikemesh/convert': await import('../../src/convert.js'),
    };
    expect(specifiers.filter((s) => !(s in modules))).toEqual([]);
    const lines: string[] = [];
    const console = { log: (...a: unknown[]) => lines.push(a.map(String).join(' ')) };
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
    const cwd = process.cwd();
    const dir = await mkdtemp(join(tmpdir(), 'spikemesh-readme-blocks-'));
    try {
      process.chdir(dir);
      await new AsyncFunction('modules', 'console', body)(modules, console);
      const { loadModel, referenceForward } = await import('../../src/index.js');
      expect(lines.join('\n')).toBe(prints.trimEnd());
      const spec = await loadModel(join(dir, 'blocks-q4.akida.json'));
      expect(spec.layers.map((l) => l.kind)).toEqual(['InputConvolutional', 'SeparableConvolutional', 'SeparableConvolutional', 'FullyConnected']);
      const image = Int32Array.from({ length: 28 * 28 }, (_, i) => (i * 37) % 256);
      const out = referenceForward(spec, { data: image, n: 1, shape: [28, 28, 1] });
      expect(out.output.data.length).toBe(10);
    } finally {
      process.chdir(cwd);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
