// Spec validation: a bad spec is refused before anything starts, every problem naming its JSON path,
// what was given and what was expected.
import { describe, expect, test } from 'vitest';
import { DEFAULT_LIMIT_CAPS } from '../../src-main/model/limit-caps';
import { SpecError, validateSpec, type ValidateOptions } from '../../src-main/engine/spec/validate';
import type { SpecIssue } from '../../src-main/model/spec-issue';

/** A valid spec with one thread actor, whose program and top-level fields a test replaces. */
function spec(program: unknown[], extra: Record<string, unknown> = {}, kind = 'thread'): Record<string, unknown> {
  return { version: 1, actors: [{ name: 'worker', kind, program }], ...extra };
}

/** Validates a spec that must be refused; returns its issues and the error's message. */
function refuse(input: unknown, options?: ValidateOptions): { issues: readonly SpecIssue[]; message: string } {
  try {
    validateSpec(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return { issues: (error as SpecError).issues, message: (error as SpecError).message };
  }
  throw new Error('the spec was accepted');
}

/** The refused spec has exactly one problem, at `path`; the message names the path and what was expected. */
function refuseAt(input: unknown, path: string, options?: ValidateOptions): SpecIssue {
  const { issues, message } = refuse(input, options);
  expect(issues.map((i) => i.path)).toEqual([path]);
  const issue = issues[0]!;
  expect(issue.expected, `issue at ${path} says what was expected`).toBeTruthy();
  expect(message).toContain(`${path}: ${issue.message}`);
  expect(message).toContain(`expected ${issue.expected}`);
  return issue;
}

const log = { op: 'log', message: 'hello' };

describe('the schema', () => {
  test('a valid spec resolves, with default limits and parameter values', () => {
    const { spec: resolved, params, limits } = validateSpec(
      spec([{ op: 'sleep', ms: { param: 'delay' } }], { params: { delay: { type: 'integer', default: 5, min: 0, max: 100 } } }),
      { overrides: { delay: '7' } },
    );
    expect(params).toEqual({ delay: 7 });
    expect(resolved.actors[0]!.program[0]).toEqual({ op: 'sleep', ms: 7 });
    expect(limits).toEqual(DEFAULT_LIMIT_CAPS);
  });

  test('an unknown step op names the step and lists the ops', () => {
    const issue = refuseAt(spec([log, { op: 'jump', to: 3 }]), 'actors[0].program[1].op');
    expect(issue.message).toBe('unknown step');
    expect(issue.received).toBe('"jump"');
    expect(issue.expected).toMatch(/^one of compute, sleep, block, .*section$/);
  });

  test('a step without op says op is missing', () => {
    const issue = refuseAt(spec([{ ms: 3 }]), 'actors[0].program[0].op');
    expect(issue.message).toBe('missing op');
  });

  test('an unknown primitive type lists the primitive types', () => {
    const issue = refuseAt(spec([log], { primitives: { m: { type: 'mutx' } } }), 'primitives.m.type');
    expect(issue.expected).toContain('mutex, rlock, semaphore');
  });

  test('an unknown field is named', () => {
    const issue = refuseAt(spec([{ op: 'sleep', ms: 3, speed: 2 }]), 'actors[0].program[0].speed');
    expect(issue.message).toBe('unknown field');
    expect(issue.received).toBe('2');
  });

  test('a value of the wrong type is refused at its field', () => {
    const issue = refuseAt(spec([log, { op: 'sleep', ms: 'soon' }]), 'actors[0].program[1].ms');
    expect(issue.received).toBe('"soon"');
    expect(issue.expected).toBe('a number, {"param": name}, or an expression such as {"mul": [{"self": "index"}, 100]}');
  });

  test('a count that only a parameter may supply names just those two forms', () => {
    const issue = refuseAt({ version: 1, actors: [{ name: 'worker', kind: 'thread', count: 'many', program: [log] }] }, 'actors[0].count');
    expect(issue.expected).toBe('a number, or {"param": name}');
  });

  test('a negative duration is out of range', () => {
    const issue = refuseAt(spec([{ op: 'block', ms: -1 }]), 'actors[0].program[0].ms');
    expect(issue.expected).toBe('at least 0');
  });

  test('a problem deep inside repeat and if is reported at its full path', () => {
    const program = [{ op: 'repeat', times: 2, steps: [{ op: 'if', cond: { truthy: true }, then: [log, { op: 'sleep', ms: 1, speed: 1 }] }] }];
    refuseAt(spec(program), 'actors[0].program[0].steps[0].then[1].speed');
  });

  test('every problem is listed, not only the first', () => {
    const { issues } = refuse(spec([{ op: 'sleep', ms: 3, speed: 2 }, { op: 'jump' }], { primitives: { m: { type: 'mutx' } } }));
    expect(issues.map((i) => i.path).sort()).toEqual(['actors[0].program[0].speed', 'actors[0].program[1].op', 'primitives.m.type']);
  });

  test('a spec that is not an object is refused', () => {
    expect(refuse([1, 2]).issues[0]!.expected).toBe('an object with version and actors');
  });
});

describe('references', () => {
  test('an unknown primitive lists the declared ones', () => {
    const issue = refuseAt(spec([{ op: 'acquire', prim: 'lock' }], { primitives: { m: { type: 'mutex' } } }), 'actors[0].program[0].prim');
    expect(issue.message).toBe('no such primitive');
    expect(issue.expected).toBe('one of m');
  });

  test('a primitive of the wrong type for the op says which types fit', () => {
    const issue = refuseAt(spec([{ op: 'acquire', prim: 'e' }], { primitives: { e: { type: 'event' } } }), 'actors[0].program[0].prim');
    expect(issue.message).toContain('acquire does not apply');
    expect(issue.received).toBe('e (event)');
    expect(issue.expected).toContain('mutex');
  });

  test('an in-process primitive used by a process actor says why and what to do', () => {
    const issue = refuseAt(spec([log, { op: 'acquire', prim: 'm' }], { primitives: { m: { type: 'mutex', reach: 'in-process' } } }, 'process'), 'actors[0].program[1].prim');
    expect(issue.message).toContain('in-process');
    expect(issue.message).toContain('does not share');
    expect(issue.message).toContain('"cross-process"');
    expect(issue.expected).toBe('reach: cross-process');
    // The same primitive is fine for a thread, which shares the memory.
    expect(() => validateSpec(spec([log, { op: 'acquire', prim: 'm' }, { op: 'release', prim: 'm' }], { primitives: { m: { type: 'mutex', reach: 'in-process' } } }))).not.toThrow();
  });

  test('a condition whose in-process lock is used by a utility actor is refused too', () => {
    const primitives = { m: { type: 'mutex', reach: 'in-process' }, c: { type: 'condition', lock: 'm' } };
    refuseAt(spec([{ op: 'notify', prim: 'c' }], { primitives }, 'utility'), 'actors[0].program[0].prim');
  });

  test('an unknown shared variable and an unknown queue are named', () => {
    refuseAt(spec([{ op: 'read', var: 'nope', into: 'x' }], { shared: { n: { scope: 'shared', initial: 0 } } }), 'actors[0].program[0].var');
    const issue = refuseAt(spec([{ op: 'get', queue: 'jobs' }]), 'actors[0].program[0].queue');
    expect(issue.expected).toBe('a name declared in queues');
  });

  test('an unknown parameter in {param} is refused at its place', () => {
    const issue = refuseAt(spec([{ op: 'sleep', ms: { param: 'delay' } }], { params: { n: { type: 'integer', default: 1 } } }), 'actors[0].program[0].ms');
    expect(issue.message).toBe('unknown parameter');
    expect(issue.expected).toBe('one of n');
  });

  test('--set of an unknown parameter lists the known ones', () => {
    const issue = refuseAt(spec([log], { params: { n: { type: 'integer', default: 3, min: 1, max: 10 } } }), '--set m', { overrides: { m: '4' } });
    expect(issue.message).toBe('no such parameter');
    expect(issue.expected).toBe('one of n');
  });

  test('--set out of bounds, or not a number, is refused', () => {
    const params = { params: { n: { type: 'integer', default: 3, min: 1, max: 10 } } };
    expect(refuseAt(spec([log], params), '--set n', { overrides: { n: '11' } }).expected).toBe('at most 10');
    expect(refuseAt(spec([log], params), '--set n', { overrides: { n: 0 } }).expected).toBe('at least 1');
    expect(refuseAt(spec([log], params), '--set n', { overrides: { n: '2.5' } }).expected).toBe('an integer');
  });

  test("a server's model, workers and delay come from parameters; a value the server cannot take is refused at the server's field", () => {
    const parameterised = spec([log], {
      params: {
        model: { type: 'choice', default: 'event-loop', choices: ['event-loop', 'worker-pool', 'cluster', 'no-such-model'] },
        workers: { type: 'integer', default: 2, min: 1, max: 100 },
        waitMs: { type: 'integer', default: 100, min: 0, max: 1_000 },
      },
      servers: { s: { protocol: 'tcp', model: { param: 'model' }, workers: { param: 'workers' }, handler: { kind: 'delay', ms: { param: 'waitMs' } } } },
    });
    const resolved = validateSpec(parameterised, { overrides: { model: 'cluster', workers: '3', waitMs: '5' } });
    expect(resolved.spec.servers?.['s']).toEqual({ protocol: 'tcp', model: 'cluster', workers: 3, handler: { kind: 'delay', ms: 5 } });
    expect(validateSpec(parameterised).spec.servers?.['s']?.model).toBe('event-loop');
    expect(refuseAt(parameterised, 'servers.s.model', { overrides: { model: 'no-such-model' } }).received).toContain('no-such-model');
    expect(refuseAt(parameterised, 'servers.s.workers', { overrides: { workers: '65' } }).expected).toContain('64');
  });

  test('an actor with autostart false that no step spawns never starts, and is refused', () => {
    const input = { version: 1, actors: [{ name: 'a', kind: 'thread', program: [log] }, { name: 'b', kind: 'thread', autostart: false, program: [log] }] };
    const issue = refuseAt(input, 'actors[1].autostart');
    expect(issue.message).toContain('never starts');
  });

  test('file paths stay inside the run folder', () => {
    refuseAt(spec([{ op: 'file_read', path: 'x/../../etc/passwd', into: 't' }]), 'actors[0].program[0].path');
    refuseAt(spec([{ op: 'file_append', path: '/etc/passwd', text: 'x' }]), 'actors[0].program[0].path');
    expect(() => validateSpec(spec([{ op: 'file_append', path: 'logs/a..b.txt', text: 'x' }]))).not.toThrow();
  });

  test('join names an actor or a queue, not both', () => {
    const input = { version: 1, queues: { q: { order: 'fifo' } }, actors: [{ name: 'a', kind: 'main', program: [{ op: 'join', actor: 'b', queue: 'q' }] }, { name: 'b', kind: 'thread', program: [] }] };
    expect(refuseAt(input, 'actors[0].program[0]').expected).toBe('exactly one of actor, queue');
  });

  test('the main program runs once and is not a daemon', () => {
    const { issues } = refuse({ version: 1, actors: [{ name: 'm', kind: 'main', count: 2, daemon: true, program: [] }] });
    expect(issues.map((i) => i.path).sort()).toEqual(['actors[0].count', 'actors[0].daemon']);
  });
});

describe('limits', () => {
  const caps = { ...DEFAULT_LIMIT_CAPS, maxActors: 4, wallTimeMs: 1_000, memoryMbPerActor: 64, maxEvents: 1_000, maxQueueBytes: 1_048_576 };

  test('more actor instances than maxActors is refused, counting every group', () => {
    const input = { version: 1, actors: [{ name: 'a', kind: 'thread', count: 3, program: [] }, { name: 'b', kind: 'process', count: 2, program: [] }] };
    const issue = refuseAt(input, 'actors', { caps });
    expect(issue.received).toBe('5');
    expect(issue.expected).toContain('at most 4');
    expect(() => validateSpec({ ...input, actors: [input.actors[0]] }, { caps })).not.toThrow();
  });

  test('a spec may ask for less than a cap, never more', () => {
    const issue = refuseAt(spec([log], { limits: { wallTimeMs: 5_000 } }), 'limits.wallTimeMs', { caps });
    expect(issue.message).toContain('--max-wall-ms');
    expect(issue.expected).toBe('at most 1000');
    expect(validateSpec(spec([log], { limits: { wallTimeMs: 500 } }), { caps }).limits.wallTimeMs).toBe(500);
  });

  test('byte limits: a spec may lower them, never raise them above the cap', () => {
    const issue = refuseAt(spec([log], { limits: { maxQueueBytes: 2_000_000 } }), 'limits.maxQueueBytes', { caps });
    expect(issue.message).toContain('--max-queue-bytes');
    expect(issue.expected).toBe('at most 1048576');
    expect(validateSpec(spec([log], { limits: { maxQueueBytes: 4_096 } }), { caps }).limits.maxQueueBytes).toBe(4_096);
    expect(validateSpec(spec([log]), { caps }).limits.maxRecordBytes).toBe(DEFAULT_LIMIT_CAPS.maxRecordBytes);
  });

  test('a spec lowering maxActors is held to its own limit', () => {
    refuseAt({ version: 1, limits: { maxActors: 2 }, actors: [{ name: 'a', kind: 'thread', count: 3, program: [] }] }, 'actors');
  });
});
