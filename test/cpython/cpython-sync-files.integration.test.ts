import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { readProcStat } from '../../src-main/engine/procfs';
import { runSpec, select } from '../engine/helpers/run-spec';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import { markedProcesses } from '../../src-main/engine/runner/process-tree';
import { pollUntil } from '../engine/helpers/procfs';
import { cpythonIssues } from '../../src-main/engine/runtimes/cpython-support';
import { validateSpec } from '../../src-main/engine/spec/validate';
import { lessonSpec, python, skipReason } from './cpython-helpers';

/**
 * Barriers, conditions, managed variables, file and OS steps, introspection and generators on real
 * CPython: the lessons that use them run with their claims holding, and the file steps keep to the
 * run folder. Skipped, with the reason in the test name, where no CPython 3.9+ is found.
 */



function claimStatuses(run: { claims: readonly { id: string; status: string }[] }): [string, string][] {
  return run.claims.map((c) => [c.id, c.status]);
}

test('what CPython takes before anything starts: managed variables, conditions, barriers, utility actors; list_actors only outside process actors', () => {
  const issues = (spec: AuthoredSpec) => cpythonIssues(validateSpec(spec).spec).map((issue) => [issue.path, issue.message]);
  const accepted: AuthoredSpec = {
    version: 1,
    shared: { m: { scope: 'managed', initial: {} } },
    primitives: { c: { type: 'condition' }, b: { type: 'barrier', parties: 2 } },
    actors: [
      { name: 'main', kind: 'main', program: [{ op: 'list_actors', into: 'names' }, { op: 'generator_pingpong', switches: 10 }] },
      { name: 'u', kind: 'utility', program: [{ op: 'wait', prim: 'b' }, { op: 'os_child', mode: 'exit', into: 'pid' }, { op: 'proc_state', pid: { ref: 'pid' }, into: 's' }] },
      { name: 'p', kind: 'process', program: [{ op: 'wait', prim: 'b' }, { op: 'file_write', path: 'x.txt', text: 'x' }] },
    ],
  };
  expect(issues(accepted)).toEqual([]);
  const listing: AuthoredSpec = { version: 1, actors: [{ name: 'p', kind: 'process', program: [{ op: 'list_actors', into: 'names' }] }] };
  expect(issues(listing)).toEqual([['actors[0].program[0]', 'step "list_actors" inside a process actor is not supported on cpython (only main, threads and tasks start, join and list actors there)']]);
});

describe.skipIf(!python)(`CPython sync, files and OS steps${skipReason}`, () => {
  test('ticket-race: forked buyers leave a multiprocessing barrier together and oversell; with a shared lock exactly one buys', async () => {
    const { run, trial, events } = await runSpec(lessonSpec('ticket-race'), { runtime: 'cpython', overrides: { buyers: 4, payMs: 100 } });
    expect(trial.status, trial.error ?? '').toBe('ok');
    expect(claimStatuses(run)).toEqual([
      ['oversold', 'holds'],
      ['locked-exact', 'holds'],
    ]);
    expect(trial.records['unlockedSold']).toHaveLength(4);
    // Each barrier generation hands out the indexes 0..parties-1 once.
    const indexes = select(events, { op: 'wait', ph: 'E', name: 'unlockedStart' }).map((e) => e.data?.['index']);
    expect([...indexes].sort()).toEqual([0, 1, 2, 3]);
    // Nobody read before the last buyer arrived at the barrier.
    const lastArrival = Math.max(...select(events, { op: 'wait', ph: 'B', name: 'unlockedStart' }).map((e) => e.t));
    const firstRead = Math.min(...events.filter((e) => e.op === 'file_read' && e.actor.startsWith('unlocked')).map((e) => e.t));
    expect(firstRead).toBeGreaterThan(lastArrival);
  });

  test('thread-pipeline: the writer thread appends every line in order; main reads the file back', async () => {
    const { run, trial, events } = await runSpec(lessonSpec('thread-pipeline'), { runtime: 'cpython', overrides: { lines: 6, typingMs: 5 } });
    expect(trial.status, trial.error ?? '').toBe('ok');
    expect(claimStatuses(run)).toEqual([
      ['file-holds-every-line-upper-cased', 'holds'],
      ['one-append-per-line', 'holds'],
    ]);
    const appends = select(events, { actor: 'writer', op: 'file_append' });
    expect(appends.map((e) => e.data)).toEqual(Array.from({ length: 6 }, (_, i) => ({ path: 'db.txt', bytes: `LINE ${i + 1}: THE QUICK BROWN FOX\n`.length })));
    expect(select(events, { actor: 'main', op: 'file_read' })[0]!.data).toEqual({ path: 'db.txt', bytes: 6 * 28 });
  });

  test('thread-introspection: list_actors names the running instances, main and its waiting workers, then main alone', async () => {
    const { run, trial } = await runSpec(lessonSpec('thread-introspection'), { runtime: 'cpython', overrides: { workers: 3 } });
    expect(trial.status, trial.error ?? '').toBe('ok');
    expect(claimStatuses(run)).toEqual([
      ['counts', 'holds'],
      ['names', 'holds'],
      ['is-alive', 'holds'],
    ]);
    expect(trial.records['workerNames']).toEqual(['["worker-0","worker-1","worker-2"]']);
  });

  test('zombie-orphan: an unreaped sh child of a forked actor is a zombie, a grandchild outliving its parent is adopted; none outlives the run', async () => {
    const { run, trial, events } = await runSpec(lessonSpec('zombie-orphan'), { runtime: 'cpython' });
    expect(trial.status, trial.error ?? '').toBe('ok');
    expect(claimStatuses(run)).toEqual([
      ['zombie-seen', 'holds'],
      ['orphan-adopted', 'holds'],
    ]);
    expect(select(events, { actor: 'parent', op: 'os_child' }).map((e) => e.data?.['mode'])).toEqual(['exit']);
    // main learnt the orphan's pid through a managed variable the forked middle actor wrote, and found it
    // adopted: its parent is no longer the middle actor, which had ended.
    const orphan = Number(select(events, { actor: 'middle', op: 'os_child' })[0]!.data?.['pid']);
    const middle = trial.actors.find((a) => a.name === 'middle')!;
    const looked = select(events, { actor: 'main', op: 'proc_state' });
    expect(looked.map((e) => e.data?.['pid'])).toEqual([orphan]);
    expect(looked[0]!.data?.['ppid']).not.toBe(middle.pid);
    expect(trial.records['middlePid']).toEqual([middle.pid]);
    // The orphan slept 30 s: it was killed with the interpreter's process group at the end of the trial.
    const deadline = Date.now() + 5_000;
    while (readProcStat(orphan) !== null && readProcStat(orphan)!.state !== 'Z' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(readProcStat(orphan)?.state ?? 'gone').not.toMatch(/^[RSD]$/);
  });

  test('process-shared-data: children write through a multiprocessing.Manager; the parent sees the managed list and dict, not its plain list', async () => {
    const asProcesses = await runSpec(lessonSpec('process-shared-data'), { runtime: 'cpython', overrides: { children: 3 } });
    expect(asProcesses.trial.status, asProcesses.trial.error ?? '').toBe('ok');
    expect(claimStatuses(asProcesses.run)).toEqual([
      ['child-sees-own-write', 'holds'],
      ['plain-list-unchanged', 'holds'],
      ['managed-shows-writes', 'holds'],
    ]);
    expect(asProcesses.trial.finalShared['managedList']).toEqual([1, 2, 3, 0, 0, 0, 0, 0]);
    expect(asProcesses.trial.finalShared['managedDict']).toEqual({ 'child 0': 1, 'child 1': 2, 'child 2': 3 });
    expect(asProcesses.trial.finalShared['plain']).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const asThreads = await runSpec(lessonSpec('process-shared-data'), { runtime: 'cpython', overrides: { children: 2, childKind: 'thread' } });
    expect(asThreads.trial.status, asThreads.trial.error ?? '').toBe('ok');
    expect(asThreads.run.claims.find((c) => c.id === 'plain-list-shared-by-threads')!.status).toBe('holds');
    expect(asThreads.run.claims.find((c) => c.id === 'managed-shows-writes')!.status).toBe('holds');
  });

  test('managed add is one indivisible step across forked processes: no increment is lost', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      shared: { total: { scope: 'managed', initial: 0 }, cells: { scope: 'managed', initial: [0] } },
      actors: [{ name: 'adder', kind: 'process', count: 3, program: [{ op: 'repeat', times: 40, steps: [{ op: 'add', var: 'total', delta: 1 }, { op: 'add', var: 'cells', index: 0, delta: 2 }] }] }],
    };
    const { trial } = await runSpec(spec, { runtime: 'cpython' });
    expect(trial.status, trial.error ?? '').toBe('ok');
    expect(trial.finalShared).toEqual({ total: 120, cells: [240] });
  });

  test('generator-switch: real generators hand a value back and forth, timed as one span with the rate recorded', async () => {
    const { run, trial, events } = await runSpec(lessonSpec('generator-switch'), { runtime: 'cpython', overrides: { switches: 2_000_000 } });
    expect(trial.status, trial.error ?? '').toBe('ok');
    expect(claimStatuses(run)).toEqual([
      ['completes', 'holds'],
      ['rate-recorded', 'holds'],
    ]);
    const spans = select(events, { actor: 'main', op: 'generator_pingpong' });
    expect(spans.map((e) => e.ph)).toEqual(['B', 'E']);
    expect(spans[1]!.data?.['switches']).toBe(2_000_000);
    expect(Number(spans[1]!.data?.['ms'])).toBeGreaterThan(0);
  });

  test('explicit-switch: two asyncio tasks take turns through events, noting each step in a managed string, on the interpreter\'s one thread', async () => {
    const { run, trial } = await runSpec(lessonSpec('explicit-switch'), { runtime: 'cpython', overrides: { rounds: 3 } });
    expect(trial.status, trial.error ?? '').toBe('ok');
    expect(claimStatuses(run)).toEqual([
      ['order-is-fixed', 'holds'],
      ['one-thread', 'holds'],
    ]);
    expect(trial.finalShared['order']).toBe('eat1 play1 eat2 play2 eat3 play3 ');
  });

  test('process-start: the utility child runs as a multiprocessing.Process, recorded as a substitution; start() does not wait for either child', async () => {
    const { run, trial, events } = await runSpec(lessonSpec('process-start'), { runtime: 'cpython', overrides: { childWorkMs: 150 } });
    expect(trial.status, trial.error ?? '').toBe('ok');
    expect(run.substitutions).toEqual([{ kind: 'utility', ranAs: 'multiprocessing.Process (CPython)', reason: expect.stringContaining('CPython has no utility process') }]);
    // Which of a forked CPython child's first step and the parent's next one comes first is a race on two cores: Node's claims only.
    expect(claimStatuses(run)).toEqual([
      ['start-does-not-wait', 'holds'],
      ['parent-goes-on-fork', 'inconclusive'],
      ['parent-goes-on-module', 'inconclusive'],
      ['children-are-processes', 'holds'],
    ]);
    expect(select(events, { actor: 'utility', op: 'actor', ph: 'B' })[0]!.data?.['kind']).toBe('utility');
  });

  test('a condition: a waiting thread is woken by notify, with the lock released while it waits; a timed wait nobody notifies passes false', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      primitives: { ready: { type: 'condition' }, ev: { type: 'event' } },
      actors: [
        {
          name: 'main',
          kind: 'main',
          program: [
            { op: 'spawn', actor: 'waiter' },
            { op: 'wait', prim: 'ev' },
            // The waiter holds the condition's lock until its wait lets go of it.
            { op: 'acquire', prim: 'ready' },
            { op: 'notify', prim: 'ready', all: true },
            { op: 'release', prim: 'ready' },
            { op: 'join', actor: 'waiter' },
          ],
        },
        {
          name: 'waiter',
          kind: 'thread',
          autostart: false,
          program: [
            { op: 'acquire', prim: 'ready' },
            { op: 'acquire', prim: 'ready' },
            { op: 'wait', prim: 'ready', timeoutMs: 20, into: 'early' },
            { op: 'set', prim: 'ev' },
            { op: 'wait', prim: 'ready', timeoutMs: 30_000, into: 'woken' },
            { op: 'release', prim: 'ready' },
            { op: 'release', prim: 'ready' },
            { op: 'record', name: 'early', value: { ref: 'early' } },
            { op: 'record', name: 'woken', value: { ref: 'woken' } },
          ],
        },
      ],
    };
    const { trial, events } = await runSpec(spec, { runtime: 'cpython' });
    expect(trial.status, trial.error ?? '').toBe('ok');
    expect(trial.records['early']).toEqual([false]);
    expect(trial.records['woken']).toEqual([true]);
    const notified = select(events, { actor: 'main', op: 'notify' })[0]!;
    expect(notified.data).toEqual({ prim: 'ready', n: 'all' });
    const woken = select(events, { actor: 'waiter', op: 'wait', ph: 'E', name: 'ready' })[1]!;
    expect(woken.t).toBeGreaterThan(notified.t);
  });

  test('a barrier and a condition reached by a forked process: a lone timed wait breaks the barrier and passes false, the next generation meets; main waits on the condition, the process notifies', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      primitives: { bar: { type: 'barrier', parties: 2 }, m: { type: 'mutex' }, c: { type: 'condition', lock: 'm' } },
      actors: [
        {
          name: 'main',
          kind: 'main',
          program: [
            { op: 'wait', prim: 'bar', timeoutMs: 50, into: 'alone' },
            { op: 'record', name: 'alone', value: { ref: 'alone' } },
            { op: 'spawn', actor: 'p' },
            { op: 'acquire', prim: 'c' },
            { op: 'wait', prim: 'bar', timeoutMs: 20_000, into: 'met' },
            { op: 'record', name: 'met', value: { ref: 'met' } },
            // The process can only notify once this wait has let go of the lock.
            { op: 'wait', prim: 'c', timeoutMs: 20_000, into: 'woken' },
            { op: 'release', prim: 'c' },
            { op: 'record', name: 'woken', value: { ref: 'woken' } },
            { op: 'join', actor: 'p' },
          ],
        },
        {
          name: 'p',
          kind: 'process',
          autostart: false,
          program: [
            { op: 'wait', prim: 'bar', timeoutMs: 20_000, into: 'met' },
            { op: 'record', name: 'met', value: { ref: 'met' } },
            { op: 'acquire', prim: 'c' },
            { op: 'notify', prim: 'c' },
            { op: 'release', prim: 'c' },
          ],
        },
      ],
    };
    const { trial, events } = await runSpec(spec, { runtime: 'cpython' });
    expect(trial.status, trial.error ?? '').toBe('ok');
    expect(trial.records['alone']).toEqual([false]);
    expect(trial.records['met']).toEqual([true, true]);
    expect(trial.records['woken']).toEqual([true]);
    const indexes = select(events, { op: 'wait', ph: 'E', name: 'bar' }).filter((e) => e.data?.['passed'] === true).map((e) => e.data?.['index']);
    expect([...indexes].sort()).toEqual([0, 1]);
    const notified = select(events, { actor: 'p', op: 'notify' })[0]!;
    expect(select(events, { actor: 'main', op: 'wait', ph: 'E', name: 'c' })[0]!.t).toBeGreaterThan(notified.t);
  });

  test('main waiting on a condition nobody will notify is stopped when another actor fails: the trial ends failed, not at the wall limit', async () => {
    const spec: AuthoredSpec = {
      version: 1,
      primitives: { c: { type: 'condition' } },
      actors: [
        { name: 'main', kind: 'main', program: [{ op: 'spawn', actor: 'p' }, { op: 'acquire', prim: 'c' }, { op: 'wait', prim: 'c' }, { op: 'release', prim: 'c' }] },
        { name: 'p', kind: 'process', autostart: false, program: [{ op: 'sleep', ms: 200 }, { op: 'fail', message: 'gave up' }] },
      ],
    };
    const { trial } = await runSpec(spec, { runtime: 'cpython' });
    expect(trial.status).toBe('failed');
    expect(trial.error).toBe('p failed: gave up');
    expect(trial.actors.find((a) => a.name === 'main')!.exit).toBe('cancelled');
    expect(trial.wallMs).toBeLessThan(10_000);
  });

  test('nothing outlives a trial with a manager and OS children: cancelled, all of it is gone within 500 ms', async () => {
    const runId = randomUUID();
    const marker = `CONLAB_RUN_ID=${runId}`;
    const controller = new AbortController();
    const spec: AuthoredSpec = {
      version: 1,
      shared: { pids: { scope: 'managed', initial: [] } },
      actors: [
        { name: 'main', kind: 'main', program: [{ op: 'sleep', ms: 600_000 }] },
        {
          name: 'keeper',
          kind: 'process',
          program: [
            { op: 'os_child', mode: 'sleep', ms: 600_000, into: 'pid' },
            { op: 'write', var: 'pids', index: 0, value: { ref: 'pid' } },
            { op: 'mark', name: 'ready' },
            { op: 'sleep', ms: 600_000 },
          ],
        },
      ],
    };
    let ready = false;
    const running = runExperiment({
      spec,
      runtime: 'cpython',
      runId,
      signal: controller.signal,
      workRoot: mkdtempSync(join(tmpdir(), 'conlab-cpython-')),
      onBatch: (batch) => {
        if (batch.actor === 'keeper' && batch.payload.includes('"ready"')) ready = true;
      },
    });
    // The interpreter, the manager's server, the forked keeper and its sh (sleep may replace sh): at least four.
    expect(await pollUntil(() => ready && markedProcesses(marker).length >= 4, 15_000)).toBe(true);
    const cancelledAt = performance.now();
    controller.abort();
    const gone = await pollUntil(() => markedProcesses(marker).length === 0, 5_000, 10);
    expect(gone, `left: ${markedProcesses(marker).join(', ')}`).toBe(true);
    expect(performance.now() - cancelledAt).toBeLessThan(500);
    expect((await running).run.status).toBe('cancelled');
  });

  test('file steps keep to the run folder: a planted link (folder or file) is refused, never followed; a FIFO does not hang; reads stop at 16 MiB', () => {
    const root = mkdtempSync(join(tmpdir(), 'conlab-pyfiles-'));
    const outside = mkdtempSync(join(tmpdir(), 'conlab-pyoutside-'));
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    symlinkSync(outside, join(root, 'linked'));
    symlinkSync(join(outside, 'secret.txt'), join(root, 'secret.txt'));
    mkdirSync(join(root, 'sub'));
    spawnSync('mkfifo', [join(root, 'sub', 'pipe')]);
    writeFileSync(join(root, 'big.txt'), Buffer.alloc(16 * 2 ** 20 + 1, 97));
    const script = `
import json
from conlab_runtime.ops import files
out = {}
def attempt(name, call):
    try:
        out[name] = ["ok", call()]
    except Exception as error:
        out[name] = [type(error).__name__, str(error)]
attempt("readThroughFolderLink", lambda: files.read_file("linked/secret.txt"))
attempt("appendThroughFolderLink", lambda: files.append_file("linked/new.txt", b"x"))
attempt("readFileLink", lambda: files.read_file("secret.txt"))
attempt("writeOverFileLink", lambda: files.replace_file("secret.txt", b"x"))
attempt("appendToFileLink", lambda: files.append_file("secret.txt", b"x"))
attempt("readFifo", lambda: files.read_file("sub/pipe"))
attempt("readBig", lambda: files.read_file("big.txt"))
attempt("dotDot", lambda: files.read_file("sub/../secret.txt"))
attempt("absolute", lambda: files.read_file("/etc/passwd"))
attempt("missing", lambda: files.read_file("nope.txt"))
attempt("writeNew", lambda: files.replace_file("a/b/c.txt", "é".encode("utf-8")))
attempt("readNew", lambda: files.read_file("a/b/c.txt"))
print(json.dumps(out))
`;
    const ran = spawnSync(python!.path, ['-c', script], { cwd: root, encoding: 'utf8', timeout: 20_000, env: { ...process.env, PYTHONPATH: resolve(__dirname, '../../resources/python') } });
    expect(ran.status, ran.stderr).toBe(0);
    const out = JSON.parse(ran.stdout) as Record<string, [string, string]>;
    const refused = (name: string, words: string) => {
      expect(out[name]![0], `${name}: ${out[name]![1]}`).toBe('RunFolderError');
      expect(out[name]![1]).toContain(words);
    };
    refused('readThroughFolderLink', 'linked is a symbolic link');
    refused('appendThroughFolderLink', 'linked is a symbolic link');
    refused('readFileLink', 'is a symbolic link');
    refused('writeOverFileLink', 'is a symbolic link');
    refused('appendToFileLink', 'is a symbolic link');
    refused('readFifo', 'is not a regular file');
    refused('readBig', 'file_read reads at most 16777216');
    refused('dotDot', 'it leaves the run folder (..)');
    refused('absolute', 'it is absolute');
    refused('missing', 'does not exist in the run folder');
    expect(out['writeNew']).toEqual(['ok', null]);
    expect(out['readNew']).toEqual(['ok', 'é']);
    // Nothing outside was touched.
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    expect(spawnSync('ls', [outside], { encoding: 'utf8' }).stdout.trim()).toBe('secret.txt');
  });
});
