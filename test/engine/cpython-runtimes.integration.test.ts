import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { checkParams } from '../../src-main/contract/methods';
import { unmetRequirement } from '../../src-main/engine/claims/evaluate';
import { configuredPython, setConfiguredPython } from '../../src-main/engine/runtimes/python-discovery';
import { findLesson } from '../../src-main/lessons/catalog';
import type { RunEnvironment } from '../../src-main/model/run-model';
import type { ClaimSpec } from '../../src-main/model/spec-schema';
import { LabService } from '../../src-main/service/lab-service';

/** The two CPython runtimes as claims see them, and the Python path of Settings as saved and read back. */

describe("claims on CPython without the GIL: requires.runtime 'cpython' covers both CPython runtimes, requires.gil tells them apart", () => {
  const environment: RunEnvironment = { os: 'linux', cpuModel: 'x', cpuCount: 2, totalMemoryMb: 1, node: '20', electron: null, appVersion: '0', hasProcfs: true };
  const on = (name: 'cpython' | 'cpython-nogil', gil: boolean): RunEnvironment => ({
    ...environment,
    runtime: { name, version: '3.13.0', path: '/usr/bin/python3.13t', gil, startMethod: 'fork', modules: { greenlet: '3.0', gevent: null } },
  });
  const claim = (requires: ClaimSpec['requires']): ClaimSpec => ({ id: 'c', text: 't', check: { compare: [{ const: 1 }, '==', { const: 1 }] }, ...(requires ? { requires } : {}) });

  test('decided on either CPython, inconclusive on Node; a GIL claim is inconclusive without the GIL', () => {
    const nogil = on('cpython-nogil', false);
    expect(unmetRequirement(claim({ runtime: 'cpython' }), nogil)).toBeNull();
    expect(unmetRequirement(claim({ runtime: 'cpython' }), on('cpython', true))).toBeNull();
    expect(unmetRequirement(claim({ runtime: 'cpython' }), environment)).toBe('describes the cpython runtime; this run ran on node');
    expect(unmetRequirement(claim({ runtime: 'node' }), nogil)).toBe('describes the node runtime; this run ran on cpython-nogil');
    expect(unmetRequirement(claim({ runtime: 'cpython', gil: true }), nogil)).toBe('describes an interpreter with a GIL; this interpreter runs without the GIL');
    expect(unmetRequirement(claim({ runtime: 'cpython', gil: false }), nogil)).toBeNull();
    expect(unmetRequirement(claim({ runtime: 'cpython', pythonModule: 'greenlet' }), nogil)).toBeNull();
  });

  test("cpu-vs-io's claim that the GIL holds CPU threads back is not judged where there is no GIL", () => {
    const lesson = findLesson('cpu-vs-io');
    const claims = (lesson?.spec as { claims?: ClaimSpec[] } | undefined)?.claims ?? [];
    const gilClaim = claims.find((c) => c.id === 'cpu-threads-gil');
    expect(gilClaim?.requires).toEqual({ runtime: 'cpython', gil: true });
    expect(unmetRequirement(gilClaim!, on('cpython-nogil', false))).toContain('without the GIL');
  });
});

describe("the Python path in Settings", () => {
  afterEach(() => setConfiguredPython(null));

  test('is saved, read back on the next open, and handed to discovery; an empty one means none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conlab-settings-python-'));
    const dbPath = join(dir, 'history.db');
    const first = LabService.open({ dbPath });
    try {
      expect(first.loadSettings().pythonPath).toBe('');
      expect(configuredPython()).toBeNull();
      expect(first.updateSettings({ pythonPath: '  /opt/python/bin/python3  ' }).pythonPath).toBe('/opt/python/bin/python3');
      expect(configuredPython()).toBe('/opt/python/bin/python3');
      expect(JSON.parse(readFileSync(first.settingsPath, 'utf8'))).toMatchObject({ pythonPath: '/opt/python/bin/python3', theme: 'system' });
      // Another field's change keeps it.
      expect(first.updateSettings({ theme: 'dark' }).pythonPath).toBe('/opt/python/bin/python3');
    } finally {
      await first.close();
    }
    setConfiguredPython(null);
    const second = LabService.open({ dbPath });
    try {
      expect(second.loadSettings().pythonPath).toBe('/opt/python/bin/python3');
      expect(configuredPython()).toBe('/opt/python/bin/python3');
      expect(second.updateSettings({ pythonPath: '' }).pythonPath).toBe('');
      expect(configuredPython()).toBeNull();
    } finally {
      await second.close();
    }
  });

  test('a settings file with an odd Python path (not a string, control characters, too long) reads as none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conlab-settings-python-'));
    const dbPath = join(dir, 'history.db');
    for (const odd of [42, 'python3\u0007', 'p'.repeat(2_000)]) {
      writeFileSync(`${dbPath}.settings.json`, JSON.stringify({ pythonPath: odd }));
      const service = LabService.open({ dbPath });
      try {
        expect(service.loadSettings().pythonPath).toBe('');
      } finally {
        await service.close();
      }
    }
  });

  test('settings.update refuses a path with control characters or too long, naming the field', () => {
    expect(checkParams('settings.update', { pythonPath: '/usr/bin/python3' }).ok).toBe(true);
    expect(checkParams('settings.update', { pythonPath: '' }).ok).toBe(true);
    expect(checkParams('settings.update', { pythonPath: 'python3\n--evil' })).toMatchObject({ ok: false, problems: [{ path: 'pythonPath' }] });
    expect(checkParams('settings.update', { pythonPath: 'p'.repeat(1_025) })).toMatchObject({ ok: false, problems: [{ path: 'pythonPath' }] });
    expect(checkParams('settings.update', { pythonPath: 3 })).toMatchObject({ ok: false, problems: [{ path: 'pythonPath' }] });
  });
});
