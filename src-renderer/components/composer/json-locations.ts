/**
 * A small JSON parser that remembers where every value is, so that a validation issue at
 * `actors[0].program[2].prim` can be marked on its line. Paths are written as the engine writes
 * them (engine/spec/validate.ts pathToString). Strict JSON (what JSON.parse accepts), nothing more.
 */

export interface JsonSyntaxError {
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

export type LocatedJson =
  | { readonly ok: true; readonly value: unknown; lineOf(path: string): number | null }
  | { readonly ok: false; readonly error: JsonSyntaxError };

class ParseFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

export function locateJsonPaths(source: string): LocatedJson {
  const offsets = new Map<string, number>();
  let index = 0;

  const fail = (message: string): never => {
    throw new ParseFailure(message, index);
  };
  const skipSpace = (): void => {
    while (index < source.length && ' \t\n\r'.includes(source[index]!)) index++;
  };
  const expect = (char: string): void => {
    if (source[index] !== char) fail(`expected ${JSON.stringify(char)}${index < source.length ? ` but found ${JSON.stringify(source[index])}` : ' but the text ended'}`);
    index++;
  };

  function parseString(): string {
    const start = index;
    expect('"');
    while (index < source.length) {
      const char = source[index]!;
      if (char === '"') {
        index++;
        return JSON.parse(source.slice(start, index)) as string;
      }
      if (char === '\\') index += 2;
      else if (char < ' ') fail('control character in a string');
      else index++;
    }
    return fail('unterminated string');
  }

  function parseNumber(): number {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(index, index + 400));
    if (!match) return fail(`unexpected ${JSON.stringify(source[index])}`);
    index += match[0].length;
    return Number(match[0]);
  }

  function parseValue(path: string): unknown {
    skipSpace();
    if (!offsets.has(path)) offsets.set(path, index);
    const char = source[index];
    if (char === '{') {
      index++;
      const object: Record<string, unknown> = {};
      skipSpace();
      if (source[index] === '}') {
        index++;
        return object;
      }
      for (;;) {
        skipSpace();
        const keyOffset = index;
        const key = parseString();
        const childPath = joinPath(path, key);
        offsets.set(childPath, keyOffset);
        skipSpace();
        expect(':');
        // Defined, not assigned: a key "__proto__" is data here, as JSON.parse makes it.
        Object.defineProperty(object, key, { value: parseValue(childPath), enumerable: true, writable: true, configurable: true });
        skipSpace();
        if (source[index] === ',') {
          index++;
          continue;
        }
        expect('}');
        return object;
      }
    }
    if (char === '[') {
      index++;
      const array: unknown[] = [];
      skipSpace();
      if (source[index] === ']') {
        index++;
        return array;
      }
      for (;;) {
        array.push(parseValue(joinPath(path, array.length)));
        skipSpace();
        if (source[index] === ',') {
          index++;
          continue;
        }
        expect(']');
        return array;
      }
    }
    if (char === '"') return parseString();
    if (source.startsWith('true', index)) return (index += 4), true;
    if (source.startsWith('false', index)) return (index += 5), false;
    if (source.startsWith('null', index)) return (index += 4), null;
    if (char === undefined) return fail('the text ended where a value was expected');
    return parseNumber();
  }

  // Where each line starts, found once: a spec with thousands of issues places each by a binary search.
  let lineStarts: number[] | null = null;
  const lineAt = (offset: number): { line: number; column: number } => {
    if (!lineStarts) {
      lineStarts = [0];
      for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    }
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - lineStarts[low]! + 1 };
  };

  try {
    const value = parseValue('');
    skipSpace();
    if (index < source.length) fail(`unexpected ${JSON.stringify(source[index])} after the end of the spec`);
    return {
      ok: true,
      value,
      lineOf(path: string): number | null {
        // An issue about an override or a missing field points at the nearest enclosing value.
        let probe = path.startsWith('--set ') ? 'params' : path;
        for (;;) {
          const offset = offsets.get(probe);
          if (offset !== undefined) return lineAt(offset).line;
          if (probe === '') return null;
          const cut = Math.max(probe.lastIndexOf('.'), probe.lastIndexOf('['));
          probe = cut > 0 ? probe.slice(0, cut) : '';
        }
      },
    };
  } catch (error) {
    if (error instanceof ParseFailure) {
      const { line, column } = lineAt(error.offset);
      return { ok: false, error: { message: error.message, line, column } };
    }
    throw error;
  }
}

/** Texts past this many characters are checked with the browser's own parser: no lines for issues, but no pause either. */
export const LOCATE_MAX_CHARS = 1_000_000;

/**
 * Parses with JSON.parse (native, tens of milliseconds for megabytes), for texts too long for the
 * locating parser above: issues are listed by path only. A syntax error still gets its line, from the
 * position the browser reports (or, when it reports none, from the locating parser).
 */
export function parseQuickly(source: string): LocatedJson {
  try {
    const value: unknown = JSON.parse(source);
    return { ok: true, value, lineOf: () => null };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    // Some engines' messages quote the text instead of giving a position: the locating parser finds it
    // (slower, but only for a text that is not JSON).
    if (!position) return locateJsonPaths(source);
    const offset = Number(position[1]);
    let line = 1;
    let lineStart = 0;
    for (let i = source.indexOf('\n'); i !== -1 && i < offset; i = source.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return { ok: false, error: { message: message.length > 200 ? `${message.slice(0, 197)}...` : message, line, column: offset - lineStart + 1 } };
  }
}

/** The locating parser for texts of ordinary size, the quick one past LOCATE_MAX_CHARS. */
export function parseSpecText(source: string): LocatedJson {
  return source.length > LOCATE_MAX_CHARS ? parseQuickly(source) : locateJsonPaths(source);
}

/** Lines of a text, counted without splitting it. */
export function countLines(source: string): number {
  let lines = 1;
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) lines++;
  return lines;
}
