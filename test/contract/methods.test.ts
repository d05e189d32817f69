import { describe, expect, test } from 'vitest';
import { checkParams, isMethodName, METHOD_NAMES, METHODS } from '../../src-main/contract/methods';
import { clientMessageSchema, serverMessageSchema, toWireError } from '../../src-main/contract/messages';
import { createContractHandlers } from '../../src-main/serve/contract-handlers';
import type { RunHub } from '../../src-main/serve/run-hub';
import { LabError, type LabService } from '../../src-main/service/lab-service';

describe('the method map', () => {
  test('covers lessons, runtimes, specs, runs, history, compare, export/import, experiments, settings, standalone servers, sweeps, lab packs and the class overview', () => {
    const areas = new Set(METHOD_NAMES.map((name) => name.split('.')[0]));
    expect([...areas].sort()).toEqual(['app', 'class', 'compare', 'experiments', 'export', 'history', 'import', 'lessons', 'packs', 'runs', 'runtimes', 'servers', 'settings', 'specs', 'sweeps']);
  });

  test('every method has exactly one handler in browser mode and the app', () => {
    const handlers = createContractHandlers({} as LabService, {} as RunHub, 'browser');
    expect(Object.keys(handlers).sort()).toEqual([...METHOD_NAMES].sort());
  });

  test('isMethodName refuses names that are not methods, including inherited properties', () => {
    expect(isMethodName('runs.start')).toBe(true);
    expect(isMethodName('toString')).toBe(false);
    expect(isMethodName('__proto__')).toBe(false);
    expect(isMethodName(42)).toBe(false);
  });
});

describe('parameter schemas', () => {
  test('runs.start takes a runtime by name; runtimes.list takes an optional lesson id', () => {
    expect(checkParams('runs.start', { lessonId: 'race-counter', runtime: 'cpython' }).ok).toBe(true);
    expect(checkParams('runs.start', { lessonId: 'race-counter', runtime: 'jython' })).toMatchObject({ ok: false, problems: [{ path: 'runtime' }] });
    expect(checkParams('runtimes.list', {}).ok).toBe(true);
    expect(checkParams('runtimes.list', { lessonId: 'gil' }).ok).toBe(true);
    expect(checkParams('runtimes.list', { lessonId: '../x' })).toMatchObject({ ok: false, problems: [{ path: 'lessonId' }] });
  });

  test('runs.start takes exactly one of a lesson id or a spec', () => {
    expect(checkParams('runs.start', { lessonId: 'race-counter', overrides: { threads: 5 } }).ok).toBe(true);
    expect(checkParams('runs.start', { spec: { version: 1 } }).ok).toBe(true);
    expect(checkParams('runs.start', {})).toMatchObject({ ok: false, problems: [{ path: 'lessonId', message: 'give exactly one of lessonId or spec' }] });
    expect(checkParams('runs.start', { lessonId: 'x', spec: {} }).ok).toBe(false);
  });

  test('servers.start takes a server description the network lab can run; servers.stop an id', () => {
    expect(checkParams('servers.start', { config: { protocol: 'http', model: 'event-loop', handler: { kind: 'hello' } } }).ok).toBe(true);
    expect(checkParams('servers.start', { config: { protocol: 'http', model: 'event-loop', handler: { kind: 'hello' }, host: '0.0.0.0' } })).toMatchObject({ ok: false, problems: [{ path: 'config.host' }] });
    expect(checkParams('servers.stop', { id: 'not-an-id' })).toMatchObject({ ok: false, problems: [{ path: 'id' }] });
  });

  test('problems name the field that is wrong', () => {
    expect(checkParams('runs.start', { lessonId: 'race-counter', repeat: 0 })).toMatchObject({ ok: false, problems: [{ path: 'repeat' }] });
    expect(checkParams('history.list', { filter: { since: 'yesterday' } })).toMatchObject({ ok: false, problems: [{ path: 'filter.since' }] });
    expect(checkParams('compare.runs', { runIds: ['abcd1234'] })).toMatchObject({ ok: false, problems: [{ path: 'runIds', message: 'compare needs two or more runs' }] });
    expect(checkParams('history.tag', { runId: 'abcd1234', tag: '   ' })).toMatchObject({ ok: false, problems: [{ path: 'tag' }] });
    expect(checkParams('settings.update', { limits: { maxActors: 0 } })).toMatchObject({ ok: false, problems: [{ path: 'limits.maxActors' }] });
  });

  test('unknown fields are refused, never passed through', () => {
    expect(checkParams('history.delete', { runId: 'abcd1234', cascade: true }).ok).toBe(false);
    expect(checkParams('export.run', { runId: 'abcd1234', format: 'exe' }).ok).toBe(false);
  });

  test('a missing params object counts as empty', () => {
    expect(checkParams('lessons.list', undefined).ok).toBe(true);
    expect(checkParams('history.get', undefined).ok).toBe(false);
  });

  test('every schema is a zod schema that accepts its own parse output', () => {
    for (const name of METHOD_NAMES) expect(typeof METHODS[name].params.safeParse).toBe('function');
  });
});

describe('messages', () => {
  test('requests are tagged, with an id', () => {
    expect(clientMessageSchema.safeParse({ type: 'request', id: 1, method: 'lessons.list', params: {} }).success).toBe(true);
    expect(clientMessageSchema.safeParse({ type: 'request', id: -1, method: 'lessons.list', params: {} }).success).toBe(false);
    expect(clientMessageSchema.safeParse({ type: 'call', id: 1, method: 'lessons.list' }).success).toBe(false);
  });

  test('errors cross as plain {name, message, code}, with spec issues when there are some', () => {
    const wire = toWireError(new LabError('bad-input', 'the spec is not valid', [{ path: 'actors', message: 'too small' }]));
    expect(wire).toEqual({ name: 'LabError', message: 'the spec is not valid', code: 'bad-input', issues: [{ path: 'actors', message: 'too small' }] });
    expect(toWireError(new TypeError('x is undefined'))).toEqual({ name: 'TypeError', message: 'x is undefined', code: 'internal' });
    expect(toWireError('plain text')).toEqual({ name: 'Error', message: 'plain text', code: 'internal' });
    expect(serverMessageSchema.safeParse({ type: 'response', id: 3, ok: false, error: wire }).success).toBe(true);
  });

  test('live events are validated on arrival', () => {
    const live = { type: 'event', event: { type: 'run-live', runId: 'r', seq: 1, progress: null, batches: [{ trial: 0, actor: 'a', firstSeq: 0, count: 1, tFirst: 0, tLast: 0, payload: '[]' }] } };
    expect(serverMessageSchema.safeParse(live).success).toBe(true);
    expect(serverMessageSchema.safeParse({ type: 'event', event: { type: 'run-exploded', runId: 'r' } }).success).toBe(false);
  });
});

describe('lab pack methods', () => {
  test('bound their files and ids before anything reaches the service', () => {
    expect(checkParams('packs.open', { packBase64: 'x'.repeat(12_000_001) }).ok).toBe(false);
    expect(checkParams('packs.open', { packBase64: '../etc' }).ok).toBe(false);
    expect(checkParams('packs.runLesson', { packBase64: 'AAAA', lesson: '../x' }).ok).toBe(false);
    expect(checkParams('packs.runLesson', { packBase64: 'AAAA', lesson: 'race', answers: { final: 13 } }).ok).toBe(true);
    expect(checkParams('packs.submit', { packBase64: 'AAAA', name: '   ' }).ok).toBe(false);
    expect(checkParams('class.import', { files: [] }).ok).toBe(false);
    expect(checkParams('class.import', { files: Array.from({ length: 501 }, () => ({ name: 'a', dataBase64: 'AAAA' })) }).ok).toBe(false);
  });
});
