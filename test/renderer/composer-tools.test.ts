// @vitest-environment happy-dom
// The composer's helpers without the page: names offered per field kind, the value and claim editors'
// models, the quick parser for long texts, and the draft kept in localStorage (read as untrusted).
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { nextTick } from 'vue';
import { checkKind, newCheck, newQuantity, quantityKind } from '../../src-renderer/components/composer/claim-model';
import { countLines, parseQuickly, parseSpecText, LOCATE_MAX_CHARS, locateJsonPaths } from '../../src-renderer/components/composer/json-locations';
import { conditionLocks, namesFor } from '../../src-renderer/components/composer/name-choices';
import { declaredNames, type JsonObject } from '../../src-renderer/components/composer/spec-builder';
import { valueKind, valueOfKind } from '../../src-renderer/components/composer/value-model';
import { DRAFT_KEY, DRAFT_MAX_CHARS, readDraft, useComposerStore } from '../../src-renderer/stores/composer';
import { FakeLab } from './fake-client';

const spec: JsonObject = {
  version: 1,
  params: { n: { type: 'integer', default: 2 } },
  primitives: { lock: { type: 'mutex' }, again: { type: 'rlock' }, gate: { type: 'event' }, turn: { type: 'condition', lock: 'lock' }, meet: { type: 'barrier', parties: 2 }, slots: { type: 'semaphore', value: 2 } },
  shared: { total: { scope: 'shared', initial: 0 }, box: { scope: 'managed', initial: null }, cell: { scope: 'value', initial: 0 }, raw: { scope: 'value', initial: 0, lock: false } },
  queues: { jobs: { order: 'fifo' } },
  servers: { echo: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } }, files: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'file-receive' } }, dgram: { protocol: 'udp', model: 'event-loop', handler: { kind: 'echo' } } },
  actors: [
    { name: 'boss', kind: 'main', program: [{ op: 'record', name: 'started', value: 1 }] },
    { name: 'w', kind: 'thread', program: [{ op: 'repeat', times: 2, steps: [{ op: 'record', name: 'seen', value: { ref: 'x' } }] }] },
  ],
};

describe('names a field offers', () => {
  test('primitives by what the step does with them', () => {
    expect(namesFor(spec, 'acquire', 'prim')).toEqual(['lock', 'again', 'turn', 'slots']);
    expect(namesFor(spec, 'wait', 'prim')).toEqual(['gate', 'turn', 'meet']);
    expect(namesFor(spec, 'set', 'prim')).toEqual(['gate']);
    expect(namesFor(spec, 'notify', 'prim')).toEqual(['turn']);
    expect(conditionLocks(spec)).toEqual(['lock', 'again']);
  });

  test('variables, actors, servers by kind; fields that name nothing get null', () => {
    expect(namesFor(spec, 'add', 'var')).toEqual(['total', 'box', 'cell', 'raw']);
    expect(namesFor(spec, 'var_lock', 'var')).toEqual(['cell']);
    expect(namesFor(spec, 'spawn', 'actor')).toEqual(['w']);
    expect(namesFor(spec, 'list_actors', 'group')).toEqual(['boss', 'w']);
    expect(namesFor(spec, 'connect', 'server')).toEqual(['echo', 'files']);
    expect(namesFor(spec, 'send_file', 'server')).toEqual(['files']);
    expect(namesFor(spec, 'sendto', 'server')).toEqual(['dgram']);
    expect(namesFor(spec, 'put', 'queue')).toEqual(['jobs']);
    expect(namesFor(spec, 'log', 'message')).toBeNull();
  });

  test('declared names include parameters and the names record steps record under, nested ones too', () => {
    const names = declaredNames(spec);
    expect(names.params).toEqual(['n']);
    expect(names.records).toEqual(['started', 'seen']);
  });
});

describe('the value editor model', () => {
  test('kinds of values, and anything else is JSON', () => {
    expect([1, 'a', true, null].map((value) => valueKind(value))).toEqual(['number', 'text', 'bool', 'null']);
    expect(valueKind({ param: 'n' })).toBe('param');
    expect(valueKind({ ref: 'x' })).toBe('ref');
    expect(valueKind({ self: 'index' })).toBe('self');
    expect(valueKind({ mul: [{ self: 'index' }, 100] })).toBe('arith');
    expect(valueKind({ concat: ['a', 'b'] })).toBe('json');
    expect(valueKind({ add: [1] })).toBe('json');
    expect(valueKind([1, 2])).toBe('json');
  });

  test('switching kind keeps what fits', () => {
    expect(valueOfKind('arith', 5, [])).toEqual({ add: [5, 1] });
    expect(valueOfKind('param', 5, ['n'])).toEqual({ param: 'n' });
    expect(valueOfKind('number', '42', [])).toBe(42);
    expect(valueOfKind('text', 42, [])).toBe('42');
  });
});

describe('the claim editor model', () => {
  test('check and quantity kinds; unknown shapes are none (shown as JSON)', () => {
    expect(checkKind({ compare: [{ const: 1 }, '==', { const: 1 }] })).toBe('compare');
    expect(checkKind({ before: [{ const: 1 }, { const: 2 }] })).toBe('before');
    expect(checkKind({ all: [] })).toBe('all');
    expect(checkKind({ not: { any: [] } })).toBe('not');
    expect(checkKind({ compare: [1, 2] })).toBeNull();
    expect(quantityKind({ shared: 'total' })).toBe('shared');
    expect(quantityKind({ nothing: 1 })).toBeNull();
  });

  test('new checks and quantities take declared names and keep the old check where it fits', () => {
    const names = declaredNames(spec);
    expect(newQuantity('shared', names)).toEqual({ shared: 'total' });
    expect(newQuantity('record', names)).toEqual({ record: 'started', agg: 'last' });
    const compare: JsonObject = { compare: [{ shared: 'total' }, '>', { const: 0 }] };
    expect(newCheck('before', compare, names)).toEqual({ before: [{ shared: 'total' }, { const: 0 }] });
    expect(newCheck('not', compare, names)).toEqual({ not: compare });
    expect(newCheck('any', compare, names)).toEqual({ any: [compare] });
  });
});

describe('long texts', () => {
  test('the quick parser gives the value, or the syntax error with its line', () => {
    expect(parseQuickly('{"a": [1, 2]}')).toMatchObject({ ok: true, value: { a: [1, 2] } });
    const failed = parseQuickly('{\n  "a": 1,\n  "b": }\n');
    expect(failed.ok).toBe(false);
    if (!failed.ok) expect(failed.error.line).toBe(3);
    expect(countLines('a\nb\nc')).toBe(3);
    expect(countLines('')).toBe(1);
  });

  test('texts past the limit are parsed quickly (no lines for issues); shorter ones are located', () => {
    const long = JSON.stringify({ pad: 'x'.repeat(LOCATE_MAX_CHARS) });
    const parsed = parseSpecText(long);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.lineOf('pad')).toBeNull();
    const short = parseSpecText('{\n  "pad": 1\n}');
    if (short.ok) expect(short.lineOf('pad')).toBe(2);
  });

  test('a key "__proto__" is data, as JSON.parse makes it, not the object\'s prototype', () => {
    const located = locateJsonPaths('{"__proto__": {"polluted": true}}');
    expect(located.ok).toBe(true);
    if (!located.ok) return;
    const value = located.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
  });
});

describe('the draft', () => {
  beforeEach(() => localStorage.clear());

  test('a kept draft is read back; anything not shaped as one is no draft', () => {
    localStorage.setItem(DRAFT_KEY, JSON.stringify({ text: '{}', name: 'mine', experimentId: null, savedAt: '2026-01-01T00:00:00Z' }));
    expect(readDraft()).toEqual({ text: '{}', name: 'mine', experimentId: null, savedAt: '2026-01-01T00:00:00Z' });
    for (const bad of ['not json', '[]', 'null', JSON.stringify({ text: 3, name: '', savedAt: '' }), JSON.stringify({ text: '{}', name: 'x', experimentId: 5, savedAt: '' })]) {
      localStorage.setItem(DRAFT_KEY, bad);
      expect(readDraft(), bad).toBeNull();
    }
    localStorage.setItem(DRAFT_KEY, JSON.stringify({ text: 'x'.repeat(DRAFT_MAX_CHARS + 10_000), name: '', experimentId: null, savedAt: '' }));
    expect(readDraft()).toBeNull();
  });
});

describe('the composer store keeps a draft', () => {
  beforeEach(() => {
    localStorage.clear();
    setActivePinia(createPinia());
    new FakeLab().install().on('specs.validate', () => ({ ok: true as const, params: {} }));
  });
  afterEach(() => vi.useRealTimers());

  test('an edit is kept half a second after typing stops, and restored (unless it is the starting spec); a text past the limit is refused, saying so', async () => {
    vi.useFakeTimers();
    const composer = useComposerStore();
    composer.text = '{"version": 1}';
    composer.name = 'mine';
    await nextTick();
    expect(localStorage.getItem(DRAFT_KEY)).toBeNull();
    vi.advanceTimersByTime(600);
    expect(readDraft()).toMatchObject({ text: '{"version": 1}', name: 'mine', experimentId: null });

    setActivePinia(createPinia());
    const reopened = useComposerStore();
    expect(reopened.restoreDraft('{"version": 1}')).toBe(false);
    expect(reopened.restoreDraft('{"other": true}')).toBe(true);
    expect([reopened.text, reopened.name, reopened.restoredDraft?.text]).toEqual(['{"version": 1}', 'mine', '{"version": 1}']);
    reopened.discardDraft();
    expect([localStorage.getItem(DRAFT_KEY), reopened.restoredDraft]).toEqual([null, null]);

    reopened.text = 'x'.repeat(DRAFT_MAX_CHARS + 1);
    await nextTick();
    vi.advanceTimersByTime(600);
    expect(reopened.draftTooLarge).toBe(DRAFT_MAX_CHARS + 1);
    expect(localStorage.getItem(DRAFT_KEY)).toBeNull();
  });
});
