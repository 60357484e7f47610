// Data-driven cases (test/cases/*.json, format in test/cases/README.md): a model, an input
// batch and the expected output, worked out by hand. Every backend runs the same files:
//   describeCases('reference', (spec, input) => referenceForward(spec, input).output);
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deserializeModel, parseModelJson } from '../../src/ir/io.js';
import { shapeSize } from '../../src/ir/shapes.js';
import type { IntBatch, ModelSpec, Shape3 } from '../../src/ir/types.js';

export const CASES_DIR = fileURLToPath(new URL('../cases/', import.meta.url));

export interface TestCase {
  /** the file the case came from */
  file: string;
  name: string;
  notes: string[];
  spec: ModelSpec;
  input: IntBatch;
  expected: IntBatch;
}

function fail(file: string, field: string, expected: string): never {
  throw new Error(`${file}: ${field} is missing or wrong, expected ${expected}`);
}

function shapeOf(file: string, field: string, v: unknown): Shape3 {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((d) => Number.isInteger(d) && d > 0)) {
    fail(file, field, 'a shape [h, w, c] of positive integers');
  }
  return v as Shape3;
}

function intsOf(file: string, field: string, v: unknown, length: number): Int32Array {
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) fail(file, field, 'an array of integers');
  if (v.length !== length) fail(file, field, `${length} values (n x h x w x c), found ${v.length}`);
  return Int32Array.from(v as number[]);
}

/** A parsed case document -> a typed, validated case. `file` names it in errors. */
export function parseCase(doc: unknown, file: string): TestCase {
  if (typeof doc !== 'object' || doc === null) fail(file, 'the document', 'an object');
  const d = doc as Record<string, unknown>;
  if (typeof d.name !== 'string' || d.name === '') fail(file, 'name', 'a non-empty string');
  const notes = d.notes === undefined ? [] : d.notes;
  if (!Array.isArray(notes) || !notes.every((s) => typeof s === 'string')) fail(file, 'notes', 'an array of strings');
  const spec = deserializeModel(d.model, undefined, `${file} (model)`);
  const input = (d.input ?? {}) as Record<string, unknown>;
  const expected = (d.expected ?? {}) as Record<string, unknown>;
  const n = input.n;
  if (!Number.isInteger(n) || (n as number) < 1) fail(file, 'input.n', 'an integer >= 1');
  const inShape = shapeOf(file, 'input.shape', input.shape);
  const outShape = shapeOf(file, 'expected.shape', expected.shape);
  return {
    file,
    name: d.name,
    notes: notes as string[],
    spec,
    input: { shape: inShape, n: n as number, data: intsOf(file, 'input.data', input.data, (n as number) * shapeSize(inShape)) },
    expected: { shape: outShape, n: n as number, data: intsOf(file, 'expected.data', expected.data, (n as number) * shapeSize(outShape)) },
  };
}

/** Every case in `dir`, sorted by file name. */
export function loadCases(dir = CASES_DIR): TestCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseCase(parseModelJson(readFileSync(join(dir, f), 'utf8'), f), f));
}

/** What a backend provides: the last layer's integer output for a batch. */
export type CaseForward = (spec: ModelSpec, input: IntBatch) => IntBatch | Promise<IntBatch>;

/** Registers one test per case: `forward` must reproduce the expected shape and values exactly. */
export function describeCases(label: string, forward: CaseForward, dir = CASES_DIR): void {
  const cases = loadCases(dir);
  describe(`cases (${label})`, () => {
    it('finds the case files', () => expect(cases.length).toBeGreaterThan(0));
    for (const c of cases) {
      it(`${c.file}: ${c.name}`, async () => {
        const out = await forward(c.spec, c.input);
        expect(out.shape, `${c.file}: output shape`).toEqual(c.expected.shape);
        expect(out.n, `${c.file}: samples`).toBe(c.expected.n);
        expect(Array.from(out.data), `${c.file}: output values`).toEqual(Array.from(c.expected.data));
      });
    }
  });
}
