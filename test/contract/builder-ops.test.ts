// The step catalog the composer's forms offer has every op of the step language, and its templates
// use only fields the engine knows for that op, as the engine's own JSON Schema of specs says.
import { describe, expect, test } from 'vitest';
import { STEP_COMMON_OPTIONAL, STEP_GROUPS } from '../../src-main/model/step-catalog';
import { specJsonSchema } from '../../src-main/model/spec-schema';

/** op → the properties its schema branch allows, found by walking the JSON Schema for objects with a constant "op". */
function opProperties(): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const properties = record['properties'] as Record<string, { const?: unknown }> | undefined;
    const op = properties?.['op']?.const;
    if (typeof op === 'string') found.set(op, new Set(Object.keys(properties!)));
    Object.values(record).forEach(visit);
  };
  visit(specJsonSchema());
  return found;
}

describe('the builder and the engine agree', () => {
  const engine = opProperties();

  const catalog = STEP_GROUPS.flatMap((group) => Object.entries(group.ops));

  test('the catalog offers exactly the ops the engine runs, each once', () => {
    expect(engine.size).toBeGreaterThan(40);
    expect(catalog.map(([op]) => op).sort()).toEqual([...engine.keys()].sort());
  });

  test("each op's starting fields and optional fields are fields the engine accepts for that op", () => {
    for (const [op, shape] of catalog) {
      const allowed = engine.get(op)!;
      for (const field of [...Object.keys(shape.fields), ...Object.keys(shape.optional ?? {}), ...Object.keys(STEP_COMMON_OPTIONAL)]) {
        expect(allowed.has(field), `${op}.${field}`).toBe(true);
      }
    }
  });
});
