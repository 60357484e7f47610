// The package's public entries (package.json "exports", built by vite from vite.config.ts
// build.lib.entry, declarations by tsconfig.build.json): `spikemesh`, `spikemesh/temporal` and
// `spikemesh/mesh` never reach tfjs, internals are exported by no entry, each entry is listed
// with the paths the build writes, and the CLI and the demos import only the entries.
// Plain TS: no GPU, no build (the static import graph is read from the sources).
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import viteConfig from '../../vite.config.js';
import pkg from '../../package.json' with { type: 'json' };

const ROOT = path.resolve(import.meta.dirname, '../..');
const rel = (f: string) => path.relative(ROOT, f).split(path.sep).join('/');

/** package subpath -> [vite entry name, entry source file] */
const ENTRIES = {
  '.': ['index', 'src/index.ts'],
  './convert': ['convert', 'src/convert.ts'],
  './temporal': ['temporal', 'src/temporal.ts'],
  './mesh': ['mesh', 'src/mesh.ts'],
} as const;
type Subpath = keyof typeof ENTRIES;
const TFJS_FREE: Subpath[] = ['.', './temporal', './mesh'];

interface ModuleImports {
  /** relative specifiers resolved to source files */
  files: string[];
  /** bare specifiers (packages) */
  packages: string[];
}

/** True when TS and esbuild erase the declaration: `import type`, `export type`, or only `type` specifiers. */
function typeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (!clause) return false; // side-effect import
    if (clause.isTypeOnly) return true;
    const named = clause.namedBindings;
    return !clause.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
  }
  if (node.isTypeOnly) return true;
  const named = node.exportClause;
  return !!named && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

function resolveRelative(from: string, spec: string): string | undefined {
  const target = path.resolve(path.dirname(from), spec.replace(/\?.*$/, ''));
  const candidates = [target, target.replace(/\.js$/, '.ts'), `${target}.ts`, path.join(target, 'index.ts')];
  const found = candidates.find((c) => /\.ts$/.test(c) && fs.existsSync(c) && fs.statSync(c).isFile());
  if (found) return found;
  if (fs.existsSync(target)) return undefined; // an asset (a shader imported ?raw, JSON)
  throw new Error(`${rel(from)}: cannot resolve '${spec}'`);
}

/** The imports that run: static import/export-from declarations and import('...') calls, type-only ones left out. */
function importsOf(file: string): ModuleImports {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!typeOnly(node)) specs.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) specs.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const files: string[] = [];
  const packages: string[] = [];
  for (const s of specs) {
    if (s.startsWith('.')) {
      const f = resolveRelative(file, s);
      if (f) files.push(f);
    } else {
      packages.push(s);
    }
  }
  return { files, packages };
}

/** Every source file and package an entry reaches, with one import chain to each package. */
function reach(entry: string): { files: Set<string>; packages: Map<string, string[]> } {
  const files = new Set<string>();
  const packages = new Map<string, string[]>();
  const chain = new Map<string, string[]>([[entry, [rel(entry)]]]);
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    const imports = importsOf(f);
    for (const p of imports.packages) if (!packages.has(p)) packages.set(p, [...chain.get(f)!, p]);
    for (const g of imports.files) {
      if (!chain.has(g)) chain.set(g, [...chain.get(f)!, rel(g)]);
      todo.push(g);
    }
  }
  return { files, packages };
}

describe('the static import graph of the entries', () => {
  it.each(TFJS_FREE)("'%s' never reaches @tensorflow/*", (subpath) => {
    const { files, packages } = reach(path.join(ROOT, ENTRIES[subpath][1]));
    expect(files.size).toBeGreaterThan(subpath === './mesh' ? 10 : 20);
    const tfjs = [...packages].filter(([p]) => p.startsWith('@tensorflow/')).map(([, c]) => c.join(' -> '));
    expect(tfjs).toEqual([]);
  });

  it("'spikemesh/convert' is the entry that brings tfjs", () => {
    const { packages } = reach(path.join(ROOT, ENTRIES['./convert'][1]));
    expect([...packages.keys()]).toContain('@tensorflow/tfjs');
  });

  it('the walker sees through type-only imports, and not through value imports', () => {
    // float-net.ts imports tfjs for types only; calibrate.ts imports it at run time
    expect(importsOf(path.join(ROOT, 'src/temporal/float-net.ts')).packages).not.toContain('@tensorflow/tfjs');
    expect(importsOf(path.join(ROOT, 'src/temporal/calibrate.ts')).packages).toContain('@tensorflow/tfjs');
  });

  it('the entry files are re-exports only', () => {
    for (const [, file] of Object.values(ENTRIES)) {
      const source = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
      const other = source.statements.filter((s) => !(ts.isExportDeclaration(s) && s.moduleSpecifier));
      expect(other.map((s) => `${file}: ${s.getText().slice(0, 60)}`)).toEqual([]);
    }
  });
});

/** Names a user of the library does not need: hash/RNG mixers, byte readers, packers, step functions, generic names. */
const INTERNAL = [
  // temporal internals: the Poisson RNG, the neuron's step functions, synapse bookkeeping
  'mix32', 'spikeRandom', 'spikeProbability23', 'bernoulli', 'charge', 'current', 'fire', 'reset', 'VMAX', 'MAX_CURRENT',
  'synapticInput', 'fanOut', 'synapseMacs', 'readoutUnits', 'methodLambdas', 'floatForward', 'floatInput', 'predictions',
  // GPU plumbing and kernels
  'settle', 'getGPU', 'isNode', 'wgsl', 'conv', 'depthwise', 'pointwise', 'preprocess', 'packActivation', 'packBytes',
  'packTileWeights', 'packConvWeights', 'planModel',
  // byte readers and dataset helpers
  'isGzip', 'openBytes', 'readIdxHeader', 'memoryReader', 'batchPlan', 'idxLabelsPath', 'mulberry32', 'DATASET_HELP',
  // the reference's and the converter's inner steps
  'activate', 'rescale', 'convPotentials', 'unknownKind', 'locationPrefix', 'describeValue', 'binNameFor',
  'calibrate', 'quantizeWeights', 'stepWidth', 'foldActivation', 'foldPredictScale', 'alignBatchNorm', 'modelFromArtifacts',
  'writeFileAtomic', 'MAX_ACT_STEP16',
  // generic names, exported under specific ones
  'check', 'formatReport', 'checkModel', 'checkLayer', 'formatIssue',
  // the mesh's inner steps
  'referenceForwardFn', 'measureStats', 'deviceNames',
];

const loaders: Record<Subpath, () => Promise<Record<string, unknown>>> = {
  '.': () => import('../../src/index.js'),
  './convert': () => import('../../src/convert.js'),
  './temporal': () => import('../../src/temporal.js'),
  './mesh': () => import('../../src/mesh.js'),
};

describe('the names the entries export', () => {
  const names = async () => {
    const out = new Map<Subpath, string[]>();
    for (const subpath of Object.keys(ENTRIES) as Subpath[]) out.set(subpath, Object.keys(await loaders[subpath]()));
    return out;
  };

  it('no entry exports an internal name', async () => {
    for (const [subpath, keys] of await names()) {
      expect(keys.filter((k) => INTERNAL.includes(k)), `exported by '${subpath}'`).toEqual([]);
    }
  });

  it('each entry exports what its users need, and no run-time name comes from two entries', async () => {
    const all = await names();
    expect(all.get('.')).toEqual(expect.arrayContaining([
      'Model', 'GpuModel', 'GpuRunner', 'acquireDevice', 'wrapDevice', 'setDefaultDevice', 'defaultDevice', 'inferShapes',
      'validateModel', 'saveModel', 'loadModel', 'fetchModel', 'serializeModel', 'summarize', 'referenceForward', 'openDataset',
      'mnistDataset', 'idxDataset', 'evaluateDataset', 'ConfusionMatrix',
    ]));
    expect(all.get('./convert')).toEqual(expect.arrayContaining([
      'quantize', 'convert', 'analyze', 'alignThresholds', 'checkCompatibility', 'formatCompatibilityReport', 'QuantizedConv2D',
      'loadTfjsModel', 'saveTfjsModel', 'fetchTfjsModel', 'predictClasses', 'referenceClasses', 'floatNetFromTfjs', 'calibrateActivations',
    ]));
    expect(all.get('./temporal')).toEqual(expect.arrayContaining([
      'simulate', 'sweep', 'GpuSpikingNet', 'simulateGpu', 'spikingNetFromModel', 'spikingNetFromFloat', 'readoutAccuracy',
      'readoutPredictions', 'formatSweepTable', 'sweepCsv', 'sweepSvg',
    ]));
    expect(all.get('./mesh')).toEqual(expect.arrayContaining([
      'AKD1000', 'TwoNodesIP', 'defineMesh', 'mapModel', 'MappedModel', 'checkMapping', 'estimateCost', 'gpuForward',
    ]));
    const seen = new Map<string, Subpath>();
    const twice: string[] = [];
    for (const [subpath, keys] of all) {
      for (const k of keys) {
        if (seen.has(k)) twice.push(`${k}: '${seen.get(k)}' and '${subpath}'`);
        seen.set(k, subpath);
      }
    }
    expect(twice).toEqual([]);
  });
});

describe('package.json exports', () => {
  const build = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { declarationDir: string; rootDir: string } };
  /** Where tsc -p tsconfig.build.json writes the declarations of a source file. */
  const declarationOf = (file: string) =>
    `./${path.posix.join(build.compilerOptions.declarationDir, path.posix.relative(build.compilerOptions.rootDir, file)).replace(/\.ts$/, '.d.ts')}`;
  const libEntry = (viteConfig as { build: { lib: { entry: Record<string, string> } } }).build.lib.entry;
  const exportsMap = pkg.exports as Record<string, { types: string; import: string }>;

  it('lists every entry, each with types and import where the build writes them', () => {
    expect(Object.keys(exportsMap).sort()).toEqual(Object.keys(ENTRIES).sort());
    for (const [subpath, [name, file]] of Object.entries(ENTRIES)) {
      expect(fs.existsSync(path.join(ROOT, file)), file).toBe(true);
      expect(libEntry[name], `vite build.lib.entry.${name}`).toBe(file);
      expect(exportsMap[subpath]).toEqual({ types: declarationOf(file), import: `./dist/${name}.js` });
    }
    // the layout the declarations follow
    expect(declarationOf('src/convert.ts')).toBe('./dist/types/convert.d.ts');
    expect(pkg.main).toBe(exportsMap['.']!.import.slice(2));
    expect(pkg.types).toBe(exportsMap['.']!.types.slice(2));
    expect(pkg.files).toContain('dist');
  });
});

describe('the CLI and the demos use the public entries', () => {
  const PUBLIC = new Set(Object.values(ENTRIES).map(([, f]) => path.join(ROOT, f)));
  // the engine self-check page tests kernels against the reference: it reaches inside on purpose
  const EXEMPT = new Set(['demos/engine-check/checks.ts']);
  const sources = (dir: string): string[] =>
    fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts'))
      .map((e) => path.join(e.parentPath, e.name));

  it.each(['src/cli', 'demos'])('%s imports src/ only through the entries', (dir) => {
    const deep: string[] = [];
    for (const f of sources(dir)) {
      if (EXEMPT.has(rel(f))) continue;
      const source = ts.createSourceFile(f, fs.readFileSync(f, 'utf8'), ts.ScriptTarget.ES2022, true);
      const specs: string[] = [];
      const visit = (node: ts.Node): void => {
        if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) specs.push(node.moduleSpecifier.text);
        else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) specs.push(node.arguments[0].text);
        ts.forEachChild(node, visit);
      };
      visit(source);
      for (const s of specs.filter((s) => s.startsWith('.'))) {
        const target = path.resolve(path.dirname(f), s).replace(/\.js$/, '.ts');
        const inSrc = target.startsWith(path.join(ROOT, 'src') + path.sep);
        const inOwnDir = target.startsWith(path.join(ROOT, dir) + path.sep);
        if (inSrc && !inOwnDir && !PUBLIC.has(target)) deep.push(`${rel(f)}: ${s}`);
      }
    }
    expect(deep).toEqual([]);
  });
});
