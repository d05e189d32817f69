import { describe, expect, test } from 'vitest';
import { locateJsonPaths } from '../../src-renderer/components/composer/json-locations';

const text = `{
  "version": 1,
  "actors": [
    {
      "name": "a",
      "kind": "thred",
      "program": [
        { "op": "sleep", "ms": 5 },
        { "op": "acquire" }
      ]
    }
  ]
}`;

describe('locateJsonPaths', () => {
  test('parses exactly what JSON.parse parses', () => {
    const located = locateJsonPaths(text);
    expect(located.ok).toBe(true);
    if (located.ok) expect(located.value).toEqual(JSON.parse(text));
  });

  test('finds the line of an issue path written as the engine writes it', () => {
    const located = locateJsonPaths(text);
    if (!located.ok) throw new Error('should parse');
    expect(located.lineOf('actors[0].kind')).toBe(6);
    expect(located.lineOf('actors[0].program[1]')).toBe(9);
    // A missing field points at its parent; an unknown one at the nearest known ancestor.
    expect(located.lineOf('actors[0].program[1].prim')).toBe(9);
    expect(located.lineOf('limits.maxActors')).toBe(1);
    expect(located.lineOf('')).toBe(1);
  });

  test('a syntax error says where, by line and column', () => {
    const located = locateJsonPaths('{\n  "version": 1,\n  "actors": [}\n');
    expect(located).toMatchObject({ ok: false, error: { line: 3, column: 14 } });
    expect(locateJsonPaths('{ "a": 1 } x')).toMatchObject({ ok: false, error: { message: expect.stringContaining('after the end') } });
    expect(locateJsonPaths('')).toMatchObject({ ok: false });
    expect(locateJsonPaths('{"a": "\u0001"}')).toMatchObject({ ok: false });
  });

  test('escaped quotes and nested arrays keep their paths', () => {
    const located = locateJsonPaths('{"a\\"b": [[1, {"c": "x\\"y"}]]}');
    if (!located.ok) throw new Error('should parse');
    expect(located.value).toEqual({ 'a"b': [[1, { c: 'x"y' }]] });
    expect(located.lineOf('a"b[0][1].c')).toBe(1);
  });
});
