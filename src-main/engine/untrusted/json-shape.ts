/**
 * Checks JSON text from another person chunk by chunk, before anything is parsed, in memory that grows with
 * nesting depth only. Guarantees: text it accepts is strict JSON (RFC 8259 syntax; UTF-8 validity is left to
 * the decoder) whose values would take at most `maxParsedBytes` once parsed (estimated per value, strings'
 * text aside, which `maxBytes` bounds), nesting at most `maxDepth` deep, arrays of at most
 * `maxArrayItems`, objects of at most `maxObjectKeys`, strings and keys at most `maxStringBytes` /
 * `maxKeyBytes` bytes as written, and no NUL character or lone UTF-16 surrogate in any string; so
 * JSON.parse of that text allocates in proportion to the limits, never to what a hostile file asks for.
 * The first problem throws a JsonShapeError naming its JSON path. Duplicate keys are refused when asked.
 */
import { abbreviatedJsonPath } from './json-path';

export interface JsonShapeLimits {
  /** Bytes of the whole text. */
  readonly maxBytes: number;
  /** Arrays and objects inside one another; the top value is depth 1. */
  readonly maxDepth: number;
  /**
   * Memory the parsed values would take, estimated from their kinds (PARSED_BYTES), their text aside. A count
   * of values alone would not do: an empty object costs V8 eight times what a number in an array does.
   */
  readonly maxParsedBytes: number;
  readonly maxArrayItems: number;
  readonly maxObjectKeys: number;
  /** Bytes between the quotes of one string value, escapes counted as written. */
  readonly maxStringBytes: number;
  readonly maxKeyBytes: number;
  /** Characters of one number (JSON.parse reads any length; a megabyte of digits is not a measurement). */
  readonly maxNumberChars: number;
  /**
   * Refuse an object that names a key twice. JSON.parse keeps the last value, other readers the first, so a
   * file could show a person one value and import another. Costs a set of keys per open object.
   */
  readonly rejectDuplicateKeys?: boolean;
}

export type JsonPathSegment = string | number;

/** The first problem found: where, what, and at which byte of the text. */
export class JsonShapeError extends Error {
  override readonly name = 'JsonShapeError';
  constructor(
    readonly path: readonly JsonPathSegment[],
    readonly problem: string,
    readonly offset: number,
  ) {
    super(path.length > 0 ? `${abbreviatedJsonPath(path)}: ${problem}` : problem);
  }
}

// Modes: what the next byte may be.
const VALUE = 0; // a value (after ':' or ',' in an array, or at the top)
const VALUE_OR_CLOSE = 1; // right after '['
const AFTER_VALUE = 2; // ',' or the closing bracket, or the end at the top
const KEY_OR_CLOSE = 3; // right after '{'
const KEY = 4; // after ',' in an object
const COLON = 5;
const STRING = 6;
const NUMBER = 7;
const LITERAL = 8;
const DONE = 9;

// Number grammar states: what has been read of -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
const N_SIGN = 0;
const N_ZERO = 1;
const N_INT = 2;
const N_DOT = 3;
const N_FRAC = 4;
const N_E = 5;
const N_E_SIGN = 6;
const N_EXP = 7;

const ARRAY = 1;
const OBJECT = 2;

const LITERALS = { t: 'true', f: 'false', n: 'null' } as const;
const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * What JSON.parse allocates per value on V8 (measured on Node 20, x64, pointer compression off): an empty
 * object 64 bytes, an empty array 40, a short string 32, a double 8-16; each array item and object property
 * adds a slot. Rounded up; the string's own text is not counted here.
 */
const PARSED_BYTES = { object: 64, array: 40, string: 32, number: 16, literal: 8, item: 8, property: 16 } as const;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function megabytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${Math.round(bytes / (1 << 20))} MiB` : `${bytes} bytes`;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function show(c: number): string {
  if (c >= 0x21 && c <= 0x7e) return `"${String.fromCharCode(c)}"`;
  const hex = `byte 0x${c.toString(16).padStart(2, '0')}`;
  return c >= 0x80 ? `${hex} (text that is not JSON, or not UTF-8)` : hex;
}

export class JsonShapeScanner {
  private mode = VALUE;
  /** Bytes of a leading byte order mark read so far; its length once past it (or when there is none). */
  private bomRead = 0;
  private offset = 0;
  private values = 0;
  private parsedBytes = 0;
  private depth = 0;
  private readonly kinds: number[] = [];
  private readonly counts: number[] = [];
  /** Each object level's current key, as raw bytes between the quotes (decoded only to name a path). */
  private readonly keyBytes: (Uint8Array | undefined)[] = [];
  private readonly keyLengths: number[] = [];
  /** With rejectDuplicateKeys: the keys seen so far in the object open at each level. */
  private readonly keySets: Set<string>[] = [];

  // Inside a string.
  private stringIsKey = false;
  private stringBytes = 0;
  /** 0: plain text; 1: after a backslash; 2-5: reading the 4 hex digits of \u. */
  private escape = 0;
  private escapeCode = 0;
  /** The last escape was a high surrogate: the next thing in the string must be its low half. */
  private pendingHigh = false;
  /** The previous byte was 0xED, which starts the UTF-8 form of a surrogate when the next is 0xA0-0xBF. */
  private afterEd = false;

  // Inside a number or a literal.
  private numberState = N_SIGN;
  private numberChars = 0;
  private literal = '';
  private literalAt = 0;

  constructor(private readonly limits: JsonShapeLimits) {}

  /** Bytes seen so far. */
  get bytesRead(): number {
    return this.offset;
  }

  /** Checks the next piece of the text; throws at the first problem. */
  push(chunk: Uint8Array): void {
    if (this.offset + chunk.length > this.limits.maxBytes) {
      this.fail(`the text is longer than ${this.limits.maxBytes} bytes`, this.limits.maxBytes);
    }
    let i = 0;
    const n = chunk.length;
    // A leading UTF-8 byte order mark is skipped (the decoder drops it too), even when split across chunks.
    while (this.bomRead < UTF8_BOM.length && i < n) {
      if (chunk[i] === UTF8_BOM[this.bomRead]) {
        this.bomRead++;
        i++;
      } else if (this.bomRead === 0) {
        this.bomRead = UTF8_BOM.length;
      } else {
        this.syntax(chunk[i]!, i, 'the rest of a UTF-8 byte order mark');
      }
    }
    while (i < n) {
      const c = chunk[i]!;
      switch (this.mode) {
        case STRING: {
          i = this.stringPart(chunk, i);
          continue;
        }
        case NUMBER: {
          if (this.numberByte(c, i)) break;
          this.endNumber();
          continue; // the byte that ended the number is read again as what follows it
        }
        case LITERAL: {
          if (c !== this.literal.charCodeAt(this.literalAt)) this.syntax(c, i, `"${this.literal}"`);
          if (++this.literalAt === this.literal.length) this.valueEnded();
          break;
        }
        case VALUE:
        case VALUE_OR_CLOSE: {
          if (isSpace(c)) break;
          if (c === 0x5d && this.mode === VALUE_OR_CLOSE) {
            this.close(ARRAY, i);
            break;
          }
          this.startValue(c, i);
          break;
        }
        case AFTER_VALUE: {
          if (isSpace(c)) break;
          const kind = this.kinds[this.depth - 1];
          if (c === 0x2c && kind === ARRAY) this.mode = VALUE;
          else if (c === 0x2c && kind === OBJECT) this.mode = KEY;
          else if (c === 0x5d && kind === ARRAY) this.close(ARRAY, i);
          else if (c === 0x7d && kind === OBJECT) this.close(OBJECT, i);
          else this.syntax(c, i, this.depth === 0 ? 'the end of the text' : kind === ARRAY ? '"," or "]"' : '"," or "}"');
          break;
        }
        case KEY_OR_CLOSE:
        case KEY: {
          if (isSpace(c)) break;
          if (c === 0x7d && this.mode === KEY_OR_CLOSE) {
            this.close(OBJECT, i);
            break;
          }
          if (c !== 0x22) this.syntax(c, i, 'a key in double quotes');
          const level = this.depth - 1;
          const keys = ++this.counts[level]!;
          this.keyLengths[level] = 0;
          this.beginString(true);
          if (keys > this.limits.maxObjectKeys) this.fail(`an object with more than ${this.limits.maxObjectKeys} keys`, this.offset + i);
          break;
        }
        case COLON: {
          if (isSpace(c)) break;
          if (c !== 0x3a) this.syntax(c, i, '":"');
          this.mode = VALUE;
          break;
        }
        case DONE: {
          if (!isSpace(c)) this.syntax(c, i, 'the end of the text');
          break;
        }
        default:
          throw new Error(`JsonShapeScanner: unknown mode ${this.mode}`);
      }
      i++;
    }
    this.offset += n;
  }

  /** The text has ended: throws when it stopped part-way. */
  end(): void {
    if (this.mode === NUMBER) this.endNumber();
    if (this.mode === DONE) return;
    if (this.depth === 0 && this.mode === VALUE && this.values === 0) this.fail('not valid JSON: the text is empty', this.offset);
    this.fail('not valid JSON: the text ends part-way through (a truncated or damaged file?)', this.offset);
  }

  // ---- values and containers

  private startValue(c: number, i: number): void {
    let cost = c === 0x7b ? PARSED_BYTES.object : c === 0x5b ? PARSED_BYTES.array : c === 0x22 ? PARSED_BYTES.string : c === 0x2d || isDigit(c) ? PARSED_BYTES.number : PARSED_BYTES.literal;
    if (this.depth > 0 && this.kinds[this.depth - 1] === ARRAY) {
      const items = ++this.counts[this.depth - 1]!;
      if (items > this.limits.maxArrayItems) this.fail(`an array longer than ${this.limits.maxArrayItems} items`, this.offset + i, 1);
      cost += PARSED_BYTES.item;
    } else if (this.depth > 0) {
      cost += PARSED_BYTES.property;
    }
    this.values++;
    this.parsedBytes += cost;
    if (this.parsedBytes > this.limits.maxParsedBytes) {
      this.fail(`more values than fit in ${megabytes(this.limits.maxParsedBytes)} once parsed (${this.values} values so far)`, this.offset + i);
    }
    if (c === 0x7b || c === 0x5b) {
      if (this.depth + 1 > this.limits.maxDepth) this.fail(`nested deeper than ${this.limits.maxDepth} levels`, this.offset + i);
      this.kinds[this.depth] = c === 0x7b ? OBJECT : ARRAY;
      this.counts[this.depth] = 0;
      if (c === 0x7b && this.limits.rejectDuplicateKeys) (this.keySets[this.depth] ??= new Set()).clear();
      this.depth++;
      this.mode = c === 0x7b ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
    } else if (c === 0x22) {
      this.beginString(false);
    } else if (c === 0x2d || isDigit(c)) {
      this.mode = NUMBER;
      this.numberChars = 1;
      this.numberState = c === 0x2d ? N_SIGN : c === 0x30 ? N_ZERO : N_INT;
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      this.mode = LITERAL;
      this.literal = LITERALS[String.fromCharCode(c) as keyof typeof LITERALS];
      this.literalAt = 1;
    } else {
      this.values--;
      this.syntax(c, i, 'a JSON value');
    }
  }

  private close(kind: number, i: number): void {
    if (this.kinds[this.depth - 1] !== kind) this.syntax(kind === ARRAY ? 0x5d : 0x7d, i, 'a matching bracket');
    this.depth--;
    this.mode = this.depth === 0 ? DONE : AFTER_VALUE;
  }

  private valueEnded(): void {
    this.mode = this.depth === 0 ? DONE : AFTER_VALUE;
  }

  // ---- numbers

  /** True when `c` continues the number; false when it ends it (the grammar must then be complete). */
  private numberByte(c: number, i: number): boolean {
    const digit = isDigit(c);
    let next = -1;
    switch (this.numberState) {
      case N_SIGN:
        next = c === 0x30 ? N_ZERO : digit ? N_INT : -1;
        break;
      case N_ZERO:
        next = c === 0x2e ? N_DOT : c === 0x65 || c === 0x45 ? N_E : -2;
        break;
      case N_INT:
        next = digit ? N_INT : c === 0x2e ? N_DOT : c === 0x65 || c === 0x45 ? N_E : -2;
        break;
      case N_DOT:
        next = digit ? N_FRAC : -1;
        break;
      case N_FRAC:
        next = digit ? N_FRAC : c === 0x65 || c === 0x45 ? N_E : -2;
        break;
      case N_E:
        next = c === 0x2b || c === 0x2d ? N_E_SIGN : digit ? N_EXP : -1;
        break;
      case N_E_SIGN:
      case N_EXP:
        next = digit ? N_EXP : this.numberState === N_EXP ? -2 : -1;
        break;
    }
    if (next === -2) return false; // a complete number ends here
    if (next === -1) this.fail(`a malformed number (unexpected ${show(c)})`, this.offset + i);
    this.numberState = next;
    if (++this.numberChars > this.limits.maxNumberChars) this.fail(`a number longer than ${this.limits.maxNumberChars} characters`, this.offset + i);
    return true;
  }

  private endNumber(): void {
    if (this.numberState !== N_ZERO && this.numberState !== N_INT && this.numberState !== N_FRAC && this.numberState !== N_EXP) {
      this.fail('a number that stops part-way', this.offset);
    }
    this.valueEnded();
  }

  // ---- strings

  private beginString(isKey: boolean): void {
    this.mode = STRING;
    this.stringIsKey = isKey;
    this.stringBytes = 0;
    this.escape = 0;
    this.pendingHigh = false;
    this.afterEd = false;
  }

  /** Reads string bytes from `i`; returns the index of the first byte not consumed. */
  private stringPart(chunk: Uint8Array, start: number): number {
    const n = chunk.length;
    let i = start;
    while (i < n) {
      const c = chunk[i]!;
      if (this.escape === 0) {
        if (this.afterEd) {
          this.afterEd = false;
          if (c >= 0xa0 && c <= 0xbf) this.fail('a UTF-16 surrogate encoded in UTF-8 (not valid UTF-8 text)', this.offset + i);
        }
        if (this.pendingHigh && c !== 0x5c) this.fail('a lone UTF-16 surrogate (\\uD800-\\uDBFF without its low half)', this.offset + i);
        if (c === 0x22) {
          this.countStringBytes(chunk, start, i);
          return this.endString(i + 1);
        }
        if (c === 0x5c) {
          this.escape = 1;
        } else if (c < 0x20) {
          this.fail(c === 0 ? 'a NUL character in a string' : `a raw control character (0x${c.toString(16).padStart(2, '0')}) in a string; JSON needs it escaped`, this.offset + i);
        } else if (c === 0xed) {
          this.afterEd = true;
        } else {
          // Plain text: skip ahead to the next byte that needs a look.
          let j = i + 1;
          while (j < n) {
            const d = chunk[j]!;
            if (d === 0x22 || d === 0x5c || d < 0x20 || d === 0xed) break;
            j++;
          }
          i = j;
          continue;
        }
      } else if (this.escape === 1) {
        if (c === 0x75) {
          this.escape = 2;
          this.escapeCode = 0;
        } else if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) {
          if (this.pendingHigh) this.fail('a lone UTF-16 surrogate (\\uD800-\\uDBFF without its low half)', this.offset + i);
          this.escape = 0;
        } else {
          this.fail(`a bad escape (\\${String.fromCharCode(c)}) in a string`, this.offset + i);
        }
      } else {
        const h = hexValue(c);
        if (h < 0) this.fail('a bad \\u escape (expected 4 hex digits) in a string', this.offset + i);
        this.escapeCode = this.escapeCode * 16 + h;
        if (++this.escape === 6) {
          this.escape = 0;
          this.unicodeEscape(this.escapeCode, i);
        }
      }
      i++;
    }
    this.countStringBytes(chunk, start, n);
    return n;
  }

  private unicodeEscape(code: number, i: number): void {
    const high = code >= 0xd800 && code <= 0xdbff;
    const low = code >= 0xdc00 && code <= 0xdfff;
    if (this.pendingHigh) {
      if (!low) this.fail('a lone UTF-16 surrogate (\\uD800-\\uDBFF without its low half)', this.offset + i);
      this.pendingHigh = false;
    } else if (high) {
      this.pendingHigh = true;
    } else if (low) {
      this.fail('a lone UTF-16 surrogate (\\uDC00-\\uDFFF without its high half)', this.offset + i);
    } else if (code === 0) {
      this.fail('a NUL character (\\u0000) in a string', this.offset + i);
    }
  }

  private countStringBytes(chunk: Uint8Array, from: number, to: number): void {
    const length = to - from;
    this.stringBytes += length;
    if (this.stringIsKey) {
      if (this.stringBytes > this.limits.maxKeyBytes) this.fail(`an object key longer than ${this.limits.maxKeyBytes} bytes`, this.offset + to);
      const level = this.depth - 1;
      let buffer = this.keyBytes[level];
      if (!buffer) {
        buffer = new Uint8Array(this.limits.maxKeyBytes);
        this.keyBytes[level] = buffer;
      }
      buffer.set(chunk.subarray(from, to), this.keyLengths[level]);
      this.keyLengths[level]! += length;
    } else if (this.stringBytes > this.limits.maxStringBytes) {
      this.fail(`a string longer than ${this.limits.maxStringBytes} bytes`, this.offset + to);
    }
  }

  private endString(next: number): number {
    if (this.stringIsKey) {
      this.mode = COLON;
      if (this.limits.rejectDuplicateKeys) this.checkDuplicateKey(next);
    } else {
      this.valueEnded();
    }
    return next;
  }

  private checkDuplicateKey(next: number): void {
    const level = this.depth - 1;
    const raw = this.keyBytes[level]?.subarray(0, this.keyLengths[level]) ?? new Uint8Array();
    // Escapes are decoded so "a" and "\u0061" are one key; plain keys compare as their bytes.
    const bytes = raw.includes(0x5c) ? Buffer.from(decodeKey(raw), 'utf8') : Buffer.from(raw.buffer, raw.byteOffset, raw.length);
    const key = bytes.toString('latin1');
    const keys = this.keySets[level]!;
    if (keys.has(key)) this.fail('a key that appears twice in one object (JSON readers disagree on which value to keep)', this.offset + next);
    keys.add(key);
  }

  // ---- problems

  private syntax(c: number, i: number, expected: string): never {
    this.fail(`not valid JSON at byte ${this.offset + i}: expected ${expected}, found ${show(c)}`, this.offset + i);
  }

  /** Throws the problem at the current path, less its last `up` segments (the array, not its item). */
  private fail(problem: string, offset: number, up = 0): never {
    const path = this.currentPath();
    throw new JsonShapeError(path.slice(0, path.length - up), problem, offset);
  }

  /** The path of the value being read: array indexes and object keys from the top down. */
  private currentPath(): JsonPathSegment[] {
    const path: JsonPathSegment[] = [];
    for (let level = 0; level < this.depth; level++) {
      const count = this.counts[level]!;
      if (count === 0) break;
      if (this.kinds[level] === ARRAY) {
        path.push(count - 1);
      } else {
        const inKey = this.mode === STRING && this.stringIsKey && level === this.depth - 1;
        if (inKey) break;
        path.push(decodeKey(this.keyBytes[level]?.subarray(0, this.keyLengths[level]) ?? new Uint8Array()));
      }
    }
    return path;
  }
}

function decodeKey(raw: Uint8Array): string {
  const text = new TextDecoder('utf-8').decode(raw);
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text;
  }
}
