import { describe, expect, test } from 'vitest';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { SpecError, validateSpec } from '../../src-main/engine/spec/validate';
import { runSpec, select } from './helpers/run-spec';

/** Worker pools: real thread and process workers, futures, map, callbacks on the runner, shutdown. */

const poolSpec = (kind: 'thread' | 'process', size: number) =>
  ({
    version: 1,
    functions: {
      plus100: { steps: [{ op: 'section', name: 'work', steps: [{ op: 'sleep', ms: 60 }] }, { op: 'return', value: { add: [{ ref: 'arg' }, 100] } }] },
      collect: { steps: [{ op: 'record', name: 'callbackPid', value: { self: 'pid' } }, { op: 'record', name: 'callbackValue', value: { ref: 'arg' } }, { op: 'record', name: 'callbackFuture', value: { at: [{ ref: 'future' }, 'id'] } }] },
    },
    pools: { workers: { kind, size } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'let', name: 'i', value: 0 },
          {
            op: 'repeat',
            times: 10,
            steps: [
              { op: 'submit', pool: 'workers', function: 'plus100', arg: { ref: 'i' }, callback: 'collect', into: 'f' },
              { op: 'let', name: 'i', value: { add: [{ ref: 'i' }, 1] } },
            ],
          },
          { op: 'result', future: { ref: 'f' }, into: 'last' },
          { op: 'record', name: 'last', value: { ref: 'last' } },
          { op: 'map', pool: 'workers', function: 'plus100', args: { list: [5, 3, 9, 1] }, into: 'mapped' },
          { op: 'record', name: 'mapped', value: { text: { ref: 'mapped' } } },
          { op: 'shutdown', pool: 'workers' },
          { op: 'record', name: 'runnerPid', value: { self: 'pid' } },
        ],
      },
    ],
  }) as unknown as AuthoredSpec;

describe('pools', () => {
  for (const kind of ['thread', 'process'] as const) {
    test(`a ${kind} pool of 3 runs 14 tasks, never more than 3 at once; map keeps order; callbacks run on the runner`, async () => {
      const { run, trial, events } = await runSpec(poolSpec(kind, 3));
      expect(run.status).toBe('ok');
      expect(trial.metrics['pool.workers.size']).toBe(3);
      expect(trial.metrics['pool.workers.maxRunning']).toBe(3);
      expect(trial.metrics['section.work.max']).toBeLessThanOrEqual(3);
      expect(trial.metrics['pool.workers.tasks']).toBe(14);
      expect(trial.records['last']).toEqual([109]);
      expect(trial.records['mapped']).toEqual(['[105,103,109,101]']);
      expect((trial.records['callbackValue'] as number[]).slice().sort((a, b) => a - b)).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
      expect(new Set(trial.records['callbackPid'])).toEqual(new Set([process.pid]));
      expect(trial.records['callbackFuture']).toHaveLength(10);
      const workers = trial.actors.filter((a) => a.group === 'workers');
      expect(workers).toHaveLength(3);
      if (kind === 'process') expect(new Set(workers.map((w) => w.pid)).size).toBe(3);
      else expect(new Set(workers.map((w) => w.pid))).toEqual(new Set([process.pid]));
      expect(select(events, { op: 'task', ph: 'B' })).toHaveLength(14);
      expect(workers.every((w) => w.exit === 'completed')).toBe(true);
    });
  }

  test('a failed task fails the caller of result with its reason; the default size follows the CPU count', async () => {
    const spec = {
      version: 1,
      functions: { boom: { steps: [{ op: 'fail', message: 'no good' }] } },
      pools: { p: { kind: 'thread' } },
      actors: [{ name: 'main', kind: 'main', program: [{ op: 'submit', pool: 'p', function: 'boom', into: 'f' }, { op: 'result', future: { ref: 'f' } }] }],
    } as unknown as AuthoredSpec;
    const { run, trial } = await runSpec(spec, { environment: undefined });
    expect(run.status).toBe('failed');
    expect(trial.error).toContain('no good');
    expect(trial.metrics['pool.p.size']).toBe(Math.min(32, run.environment.cpuCount + 4));
  });

  test('validation: unknown pool or function, return outside a function, a pool named like an actor', () => {
    const spec = {
      version: 1,
      functions: { f: { steps: [{ op: 'return', value: 1 }] } },
      pools: { main: { kind: 'thread', size: 2 } },
      actors: [{ name: 'main', kind: 'main', program: [{ op: 'submit', pool: 'nope', function: 'g' }, { op: 'return' }] }],
    };
    try {
      validateSpec(spec);
      expect.unreachable();
    } catch (error) {
      const paths = (error as SpecError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['pools.main', 'actors[0].program[0].pool', 'actors[0].program[0].function', 'actors[0].program[1].op']));
    }
  });
});
