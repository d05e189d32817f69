// The spec as a standalone Python program: its shapes for each actor kind and state, the steps of the
// catalog, bounded waits, and names and text from a spec that cannot break the program.
import { describe, expect, test } from 'vitest';
import { catalogOps } from '../../src-main/model/step-catalog';
import { pythonProgram, pyIdent, pyString } from '../../src-main/model/python-program';
import { resolvedSpecSchema, type Spec } from '../../src-main/model/spec-schema';

function spec(parts: Record<string, unknown>): Spec {
  return resolvedSpecSchema.parse({ version: 1, id: 'shape', ...parts }) as Spec;
}

const threads = spec({
  primitives: { m: { type: 'mutex' }, go: { type: 'event' } },
  shared: { counter: { scope: 'shared', initial: 0 } },
  actors: [
    { name: 'main', kind: 'main', program: [{ op: 'set', prim: 'go' }, { op: 'join', actor: 'worker' }, { op: 'read', var: 'counter', into: 'final' }, { op: 'record', name: 'final', value: { ref: 'final' } }] },
    { name: 'worker', kind: 'thread', count: 3, program: [{ op: 'wait', prim: 'go' }, { op: 'acquire', prim: 'm' }, { op: 'add', var: 'counter', delta: 1 }, { op: 'release', prim: 'm' }] },
  ],
});

describe('python program', () => {
  test('a program says what it prints, lists its parameters as constants and runs its main under the __main__ guard', () => {
    const text = pythonProgram(threads, { params: { windowMs: 10, useRlock: false } });
    expect(text.startsWith('#!/usr/bin/env python3\n"""')).toBe(true);
    expect(text).toContain('record <name> = <value as JSON>');
    expect(text).toContain('WINDOW_MS = 10\nUSE_RLOCK = False\n');
    expect(text).toContain('print(f"record {name} = {json.dumps(value');
    expect(text.trimEnd().endsWith('if __name__ == "__main__":\n    main()')).toBe(true);
    expect(pythonProgram(threads, { params: { windowMs: 10, useRlock: false } })).toBe(text);
  });

  test('threads: threading primitives, plain shared values, one function per actor, and no multiprocessing', () => {
    const text = pythonProgram(threads);
    expect(text).toContain('def worker_actor(lab, index, me):');
    expect(text).toContain('def main_actor(lab, index, me):');
    expect(text).toContain('lab.m = threading.Lock()');
    expect(text).toContain('lab.go = threading.Event()');
    expect(text).toContain('lab.counter = 0  # threads share it; a process gets its own copy');
    expect(text).toContain('threading.Thread(target=run_actor, args=(worker_actor, lab, i, f"worker-{i}"), name=f"worker-{i}", daemon=False) for i in range(3)');
    expect(text).toContain('with lab.add_lock:  # add is atomic\n        lab.counter += 1');
    expect(text).not.toMatch(/^import multiprocessing/m);
    expect(text).not.toContain('multiprocessing.Lock');
  });

  test('an untimed acquire or wait is bounded by PATIENCE_S; a timed one is the call itself', () => {
    const text = pythonProgram(threads, { patienceS: 2 });
    expect(text).toContain('PATIENCE_S = 2');
    expect(text).toContain('take(lab.m, "m")');
    expect(text).toContain('wait_on(lab.go, "go")');
    expect(text).toContain('if not lock.acquire(timeout=PATIENCE_S):');
    const timed = pythonProgram(spec({ primitives: { m: { type: 'mutex' } }, actors: [{ name: 'main', kind: 'main', program: [{ op: 'acquire', prim: 'm', timeoutMs: 500, into: 'got' }] }] }));
    expect(timed).toContain('got = lab.m.acquire(timeout=0.5)');
    expect(timed).not.toContain('def take(');
  });

  test('processes: multiprocessing primitives and queues, Value, RawArray and a Manager for what processes share', () => {
    const text = pythonProgram(
      spec({
        shared: { n: { scope: 'value', initial: 0 }, slots: { scope: 'array', initial: [0, 0], lock: false }, names: { scope: 'managed', initial: [] }, own: { scope: 'shared', initial: 1 } },
        primitives: { m: { type: 'mutex' }, b: { type: 'barrier', parties: 2 } },
        queues: { jobs: { order: 'fifo', maxsize: 2 }, stack: { order: 'lifo' } },
        pipes: { p: { duplex: false } },
        actors: [
          { name: 'main', kind: 'main', program: [{ op: 'spawn', actor: 'child' }, { op: 'join', actor: 'child' }] },
          { name: 'child', kind: 'process', autostart: false, program: [{ op: 'add', var: 'n', delta: 1 }, { op: 'put', queue: 'jobs', value: 1 }, { op: 'pipe_send', pipe: 'p', end: 1, value: 'x' }] },
        ],
      }),
    );
    expect(text).toContain('lab.records = manager.list()');
    expect(text).toContain('lab.n = multiprocessing.Value("i", 0)');
    expect(text).toContain('lab.slots = multiprocessing.RawArray("i", [0, 0])');
    expect(text).toContain('lab.names = manager.list([])');
    expect(text).toContain('lab.m = multiprocessing.Lock()');
    expect(text).toContain('lab.b = multiprocessing.Barrier(2)');
    expect(text).toContain('lab.jobs = multiprocessing.JoinableQueue(2)');
    expect(text).toContain('multiprocessing.managers.SyncManager.register("LifoQueue", queue.LifoQueue)\n    manager = multiprocessing.Manager()');
    expect(text).toContain('lab.stack = manager.LifoQueue()  # served by the manager');
    expect(text).toContain('lab.p = multiprocessing.Pipe(duplex=False)');
    expect(text).toContain('multiprocessing.Process(target=run_actor, args=(child_actor, lab, i, "child"), name="child", daemon=False)');
    expect(text).toContain('with lab.n.get_lock():  # add is atomic\n        lab.n.value += 1');
    expect(text).toContain('lab.jobs.put(1, timeout=PATIENCE_S)');
    expect(text).toContain('lab.p[1].send("x")');
    expect(text).not.toContain('start("child")\n    MAIN');
  });

  test('asyncio tasks: coroutines on a loop thread, a blocking wait awaited in a worker thread, sleep awaited', () => {
    const text = pythonProgram(
      spec({
        primitives: { go: { type: 'event' } },
        actors: [
          { name: 'main', kind: 'main', program: [{ op: 'set', prim: 'go' }] },
          { name: 'client', kind: 'task', count: 2, program: [{ op: 'wait', prim: 'go' }, { op: 'sleep', ms: 10 }, { op: 'block', ms: 10 }] },
        ],
      }),
    );
    expect(text).toContain('async def client_actor(lab, index, me):');
    expect(text).toContain('await asyncio.to_thread(wait_on, lab.go, "go")');
    expect(text).toContain('await asyncio.sleep(0.01)');
    expect(text).toContain('time.sleep(0.01)  # blocks the event loop');
    expect(text).toContain('start_event_loop(2)');
    expect(text).toContain('TaskActor(client_actor, lab, i, f"client-{i}")');
  });

  test('a primitive only tasks use is asyncio\'s, made on the tasks\' loop and awaited there, bounded like the others', () => {
    const text = pythonProgram(
      spec({
        primitives: { turn: { type: 'event' }, m: { type: 'mutex' }, shared: { type: 'event' } },
        actors: [
          { name: 'main', kind: 'main', program: [{ op: 'set', prim: 'shared' }] },
          { name: 'a', kind: 'task', program: [{ op: 'wait', prim: 'turn' }, { op: 'acquire', prim: 'm', timeoutMs: 100, into: 'got' }, { op: 'release', prim: 'm' }, { op: 'wait', prim: 'shared' }] },
          { name: 'b', kind: 'task', program: [{ op: 'set', prim: 'turn' }] },
        ],
      }),
    );
    expect(text).toContain('        lab.turn = asyncio.Event()\n        lab.m = asyncio.Lock()\n');
    expect(text).toContain('asyncio.run_coroutine_threadsafe(task_primitives(), LOOP).result()');
    expect(text).toContain('    await await_on(lab.turn, "turn")\n    got = await atake(lab.m, "m", timeout=0.1)\n    lab.m.release()\n');
    expect(text).toContain('lab.shared = threading.Event()');
    expect(text).toContain('await asyncio.to_thread(wait_on, lab.shared, "shared")');
  });

  test('the spec\'s CPython switch interval is set before anything starts', () => {
    const text = pythonProgram(spec({ cpython: { switchIntervalMs: 5 }, actors: [{ name: 'main', kind: 'main', program: [] }] }));
    expect(text).toContain('def main():\n    sys.setswitchinterval(0.005)');
    expect(text).toMatch(/^import sys$/m);
  });

  test('gevent tasks: a clear message when gevent is missing, monkey-patching first, and block as the real sleep', () => {
    const text = pythonProgram(
      spec({ cpython: { tasks: 'gevent', monkeyPatch: true }, actors: [{ name: 'main', kind: 'main', program: [{ op: 'join', actor: 'g' }] }, { name: 'g', kind: 'task', program: [{ op: 'sleep', ms: 5 }, { op: 'block', ms: 5 }] }] }),
    );
    const guard = text.indexOf('except ImportError:\n    sys.exit("This program runs its tasks as gevent greenlets: install gevent first');
    expect(guard).toBeGreaterThan(0);
    expect(text.indexOf('gevent.monkey.patch_all()')).toBeGreaterThan(guard);
    expect(text.indexOf('gevent.monkey.patch_all()')).toBeLessThan(text.indexOf('import json'));
    expect(text).toContain('    gevent.sleep(0.005)');
    expect(text).toContain('blocking_sleep(0.005)');
    expect(text).toContain('def g_actor(lab, index, me):');
    expect(text).not.toContain('async def');
  });

  test('a condition on constants alone (a parameter already in the code) is decided: only the branch taken is written', () => {
    const text = pythonProgram(
      spec({ primitives: { A: { type: 'mutex' }, R: { type: 'rlock' } }, actors: [{ name: 'w', kind: 'thread', program: [{ op: 'if', cond: { truthy: false }, then: [{ op: 'acquire', prim: 'R' }], else: [{ op: 'acquire', prim: 'A' }] }] }] }),
    );
    expect(text).toContain('    # if False: false with these parameters\n    take(lab.A, "A")');
    expect(text).not.toContain('take(lab.R');
  });

  test('names and text from a spec cannot break the program: keywords and helper names renamed, hidden characters escaped', () => {
    expect(pyIdent('class')).toBe('class_');
    expect(pyIdent('load')).toBe('load_');
    expect(pyIdent('my-name')).toBe('my_name');
    expect(pyString('a\u202eb"\n')).toBe('"a\\u202eb\\"\\n"');
    const text = pythonProgram(
      spec({ title: 'T """ \\ \u2066', actors: [{ name: 'main', kind: 'main', program: [{ op: 'let', name: 'print', value: 1, label: 'x\u202e\ny' }, { op: 'log', message: 'v {print}', values: { print: { ref: 'print' } } }] }] }),
    );
    expect(text).toContain('print_ = 1');
    expect(text).toContain('    # x? y\n');
    expect(text).toContain('say(me, "v {print}", {"print": print_})');
    expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    expect(text.split('\n')[1]).toBe("\"\"\"T ''' \\\\ ?");
  });

  test('every op of the step catalog is written as code, in a thread, a process and an asyncio task', () => {
    // The catalog leaves the names of a step's primitive, variable, queue... empty: a spec must name one.
    const named = (fields: object): object => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === '' ? `the_${k}` : v]));
    const steps = catalogOps().map(([op, shape]) => ({ op, ...named(shape.fields), ...named(shape.optional ?? {}) }));
    for (const kind of ['thread', 'process', 'task'] as const) {
      const text = pythonProgram({ version: 1, actors: [{ name: 'a', kind, program: steps }] } as unknown as Spec);
      expect(text, kind).not.toContain('a step this program cannot show');
      expect(text).not.toContain('undefined');
      expect(text).not.toContain('[object Object]');
    }
  });
});
