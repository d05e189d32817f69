// The program beside a lane: every op of the step catalog has a line as steps and as Python, and step ids
// follow the pre-order walk both runtimes stamp on their events.
import { describe, expect, test } from 'vitest';
import { catalogOps } from '../../src-main/model/step-catalog';
import { PYTHON_TEXT, STEP_TEXT, programLines, stepIds, stepText, walkProgram, type StepLike } from '../../src-main/model/program-text';
import { raceCounter } from '../../src-main/lessons/threads/race-counter';

describe('program text', () => {
  const ops = catalogOps();

  test('every op of the catalog has a step rendering and a Python rendering, and no renderer is for an op the catalog lacks', () => {
    const catalogNames = ops.map(([op]) => op).sort();
    expect(Object.keys(STEP_TEXT).sort()).toEqual(catalogNames);
    expect(Object.keys(PYTHON_TEXT).sort()).toEqual(catalogNames);
  });

  for (const [op, shape] of catalogOps()) {
    test(`${op}: a line of its own as steps and as Python, with every field it starts with and with its optional ones`, () => {
      for (const step of [{ op, ...shape.fields }, { op, ...shape.fields, ...(shape.optional ?? {}) }] as StepLike[]) {
        for (const kind of ['thread', 'process', 'task']) {
          const asSteps = stepText(step, 'steps');
          const asPython = stepText(step, 'python', { kind });
          for (const text of [asSteps, asPython]) {
            expect(text.trim().length, `${op} ${text}`).toBeGreaterThan(0);
            expect(text, `${op} renders without falling back to its JSON`).not.toContain('{"op"');
            expect(text).not.toContain('\n');
            expect(text).not.toContain('undefined');
            expect(text).not.toContain('[object Object]');
          }
        }
      }
    });
  }

  test('the race counter reads as the teaching text: a read into a local, the write of one less, a lock as acquire/release', () => {
    const unlocked = raceCounter.spec.actors.find((actor) => actor.name === 'unlocked')!.program as StepLike[];
    expect(programLines(unlocked, 'steps').map((line) => line.text)).toEqual(['read counter → seen', 'block param windowMs ms', 'write counter ← seen - 1']);
    expect(programLines(unlocked, 'python', { kind: 'thread' }).map((line) => line.text)).toEqual(['seen = counter', 'time.sleep(WINDOWMS / 1000)', 'counter = seen - 1']);
    const locked = raceCounter.spec.actors.find((actor) => actor.name === 'locked')!.program as StepLike[];
    const python = programLines(locked, 'python', { kind: 'thread' });
    expect(python.map((line) => `${line.id}:${line.depth}:${line.text}`)).toEqual([
      '0:0:arrived.release()',
      '1:0:lockedGo.wait()',
      '2:0:time.sleep(OUTSIDEMS / 1000)',
      '3:0:counterLock.acquire()',
      '4:0:with critical:  # section: actors inside at once are counted',
      '5:1:seen = counter',
      '6:1:time.sleep(WINDOWMS / 1000)',
      '7:1:counter = seen - 1',
      '8:0:counterLock.release()',
    ]);
  });

  test('a task sleeps with await asyncio.sleep, a thread with time.sleep; a process reads a shared Value', () => {
    expect(stepText({ op: 'sleep', ms: 250 }, 'python', { kind: 'task' })).toBe('await asyncio.sleep(0.25)');
    expect(stepText({ op: 'sleep', ms: 250 }, 'python', { kind: 'thread' })).toBe('time.sleep(0.25)');
    expect(stepText({ op: 'read', var: 'n', into: 'x' }, 'python', { kind: 'process', shared: { n: 'shared' } })).toBe('x = n.value');
    expect(stepText({ op: 'acquire', prim: 'm', label: 'enter' }, 'steps')).toBe('acquire m  — enter');
  });

  test('ids are a pre-order walk: a step, then its steps; an if\'s then before its else, which gets an else: line', () => {
    const program: StepLike[] = [
      { op: 'let', name: 'x', value: 1 },
      { op: 'repeat', times: 2, steps: [{ op: 'mark', name: 'a' }, { op: 'section', name: 's', steps: [{ op: 'mark', name: 'b' }] }] },
      { op: 'if', cond: { compare: [{ ref: 'x' }, '==', 1] }, then: [{ op: 'mark', name: 'c' }], else: [{ op: 'mark', name: 'd' }] },
      { op: 'mark', name: 'e' },
    ];
    const seen: string[] = [];
    const count = walkProgram(program, (step, id, depth) => seen.push(`${id}:${depth}:${step.op}${typeof step.name === 'string' ? `:${step.name}` : ''}`));
    expect(count).toBe(9);
    expect(seen).toEqual(['0:0:let:x', '1:0:repeat', '2:1:mark:a', '3:1:section:s', '4:2:mark:b', '5:0:if', '6:1:mark:c', '7:1:mark:d', '8:0:mark:e']);
    expect(stepIds(program).get(program[3]!)).toBe(8);
    const lines = programLines(program, 'python');
    expect(lines.map((line) => `${line.id ?? '-'}:${line.depth}:${line.text}`)).toEqual([
      '0:0:x = 1',
      '1:0:for _ in range(2):',
      '2:1:print("--- a ---")',
      '3:1:with s:  # section: actors inside at once are counted',
      '4:2:print("--- b ---")',
      '5:0:if x == 1:',
      '6:1:print("--- c ---")',
      '-:0:else:',
      '7:1:print("--- d ---")',
      '8:0:print("--- e ---")',
    ]);
  });

  test('a deep or odd program is rendered without throwing: nesting 2,000 levels, an unknown op shown by its JSON', () => {
    let deep: StepLike = { op: 'mark', name: 'bottom' };
    for (let i = 0; i < 2_000; i++) deep = { op: 'repeat', times: 1, steps: [deep] };
    expect(programLines([deep], 'steps')).toHaveLength(2_001);
    expect(stepText({ op: 'teleport', to: 'x' })).toContain('teleport');
  });
});
