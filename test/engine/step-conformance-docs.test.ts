// The step catalog is the one description of the step language: the engine's schema, its step table
// (the handlers) and the spec reference's step table all agree with it, op for op.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { catalogOps, parseTraceLine, renderStepTable } from '../../src-main/model/step-catalog';
import { STEP_HANDLERS } from '../../src-main/engine/actors/interpreter';
import { specJsonSchema } from '../../src-main/model/spec-schema';

const DOC = join(__dirname, '..', '..', 'docs', 'spec-language.md');
const BEGIN = '<!-- step-table:begin -->';
const END = '<!-- step-table:end -->';

/** The ops the engine's JSON Schema of specs accepts (objects with a constant "op"). */
function schemaOps(): Set<string> {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const op = (node as { properties?: { op?: { const?: unknown } } }).properties?.op?.const;
    if (typeof op === 'string') found.add(op);
    Object.values(node).forEach(visit);
  };
  visit(specJsonSchema());
  return found;
}

describe('the step catalog is the one description of the steps', () => {
  const ops = catalogOps().map(([op]) => op);

  test('the schema, the handlers and the catalog have the same ops, each once', () => {
    expect(new Set(ops).size).toBe(ops.length);
    expect([...ops].sort()).toEqual([...schemaOps()].sort());
    expect([...ops].sort()).toEqual(Object.keys(STEP_HANDLERS).sort());
  });

  test('every op says what it does, and its trace lines are well-formed (B before E, each phase in order)', () => {
    for (const [op, shape] of catalogOps()) {
      expect(shape.does.length, op).toBeGreaterThan(5);
      const phases = shape.trace.map((line) => parseTraceLine(line).ph).join('');
      expect(['', 'I', 'BE'], `${op}: ${phases}`).toContain(phases);
    }
    expect(() => parseTraceLine('X {a}')).toThrow(/B\|E\|I/);
  });

  test("docs/spec-language.md's step table is the one rendered from the catalog", () => {
    const text = readFileSync(DOC, 'utf8');
    const begin = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    expect(begin, 'the step table markers').toBeGreaterThan(0);
    expect(end).toBeGreaterThan(begin);
    const rendered = `${BEGIN}\n${renderStepTable()}\n${END}`;
    if (process.env['WRITE_STEP_TABLE'] === '1') {
      writeFileSync(DOC, text.slice(0, begin) + rendered + text.slice(end + END.length));
      return;
    }
    expect(text.slice(begin, end + END.length), 'run WRITE_STEP_TABLE=1 npx vitest run test/engine/step-conformance-docs.test.ts').toBe(rendered);
  });
});
