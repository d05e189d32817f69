import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { isLiveProcess } from '../../src-main/engine/procfs';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { validateSpec, SpecError } from '../../src-main/engine/spec/validate';
import { zombieOrphan } from '../../src-main/lessons/processes/zombie-orphan';
import { runSpec } from './helpers/run-spec';

/** Steps that reach the operating system and the data values: zombies, orphans, files, actor lists, generators. */

const alive = isLiveProcess;

describe.runIf(existsSync('/proc/self/stat'))('zombies and orphans, seen in /proc', () => {
  test('a child that exits under a blocked parent is a zombie; a grandchild whose parent exits is adopted; none survives the run', async () => {
    // The zombie-orphan lesson is exactly this scenario; the engine's steps are checked through it.
    const spec = zombieOrphan.spec as AuthoredSpec;
    const { run, trial } = await runSpec(spec);
    expect({ status: run.status, error: run.error }).toEqual({ status: 'ok', error: null });
    expect(trial.records['zombieState']).toEqual(['Z']);
    const [orphanPpid] = trial.records['orphanPpid'] as number[];
    const [middlePid] = trial.records['middlePid'] as number[];
    expect(orphanPpid).not.toBe(middlePid);
    // The adopted grandchild was in the middle actor's process group, which ended with the trial.
    const orphanPid = trial.finalShared['orphanPid'] as number;
    const deadline = Date.now() + 3_000;
    while (alive(orphanPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive(orphanPid)).toBe(false);
  });
});

describe('data steps', () => {
  test('file_write replaces a file whole; json, text, len, at, floor; list_actors; generator_pingpong', async () => {
    const spec = {
      version: 1,
      actors: [
        {
          name: 'main',
          kind: 'main',
          program: [
            { op: 'spawn', actor: 'helper' },
            { op: 'file_write', path: 'db.json', text: { text: { list: [1, 2, 3] } } },
            { op: 'file_write', path: 'db.json', text: '{"tickets": 1, "names": ["a", "b"]}' },
            { op: 'file_read', path: 'db.json', into: 'raw' },
            { op: 'let', name: 'db', value: { json: { ref: 'raw' } } },
            { op: 'record', name: 'tickets', value: { at: [{ ref: 'db' }, 'tickets'] } },
            { op: 'record', name: 'names', value: { len: { at: [{ ref: 'db' }, 'names'] } } },
            { op: 'record', name: 'half', value: { floor: { div: [7, 2] } } },
            { op: 'list_actors', into: 'live' },
            { op: 'record', name: 'live', value: { len: { ref: 'live' } } },
            { op: 'list_actors', group: 'helper', into: 'helpers' },
            { op: 'record', name: 'helpers', value: { text: { ref: 'helpers' } } },
            { op: 'join', actor: 'helper' },
            { op: 'generator_pingpong', switches: 100_000, into: 'pp' },
            { op: 'record', name: 'switches', value: { at: [{ ref: 'pp' }, 'switches'] } },
          ],
        },
        { name: 'helper', kind: 'thread', autostart: false, program: [{ op: 'sleep', ms: 300 }] },
      ],
    } as AuthoredSpec;
    const { run, trial } = await runSpec(spec);
    expect(run.status).toBe('ok');
    expect(trial.records).toMatchObject({ tickets: [1], names: [2], half: [3], live: [2], helpers: ['["helper"]'], switches: [100_000] });
  });

  test('os_child is refused outside process actors, with the reason', () => {
    const spec = { version: 1, actors: [{ name: 't', kind: 'thread', program: [{ op: 'os_child', mode: 'exit', into: 'p' }] }] };
    try {
      validateSpec(spec);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SpecError);
      expect((error as SpecError).issues[0]).toMatchObject({ path: 'actors[0].program[0].op', expected: 'an actor of kind process or utility' });
    }
  });
});
