import { describe, expect, test } from 'vitest';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { SpecError, validateSpec } from '../../src-main/engine/spec/validate';
import { cpythonIssues } from '../../src-main/engine/runtimes/cpython-support';
import { runSpec } from './helpers/run-spec';

/** The load step's choices: priming or not (connection set-up counted), GET or POST, both latencies and the generator's CPU. */

const loadSpec = (load: Record<string, unknown>): AuthoredSpec =>
  ({
    version: 1,
    servers: { web: { protocol: 'http', model: 'thread-per-connection', handler: { kind: 'hello' } } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'load', server: 'web', connections: 4, requests: 40, threads: 1, into: 'r', ...load },
          { op: 'record', name: 'report', value: { ref: 'r' } },
        ],
      },
    ],
  }) as unknown as AuthoredSpec;

describe('the load step', () => {
  test('prime false opens the connections inside the measured phase and reports their set-up; GET and POST both answered; both latencies and the CPU side by side', async () => {
    const unprimed = await runSpec(loadSpec({ prime: false, httpMethod: 'GET' }));
    const report = unprimed.trial.records['report']![0] as Record<string, number | boolean | null | string>;
    expect(report['primed']).toBe(false);
    expect(report['answered']).toBe(40);
    expect(report['errors']).toBe(0);
    // A thread per connection: each connection's first answer needed its thread to start.
    expect(report['setupFirstAnswerP50Ms']).toBeGreaterThan(0);
    // The set-up figures are read from a histogram that keeps 3 significant digits: its max may sit up to 0.1% above
    // the value it recorded (168.575 for 168.547), while allAnsweredAfterMs is the clock's own reading.
    expect(report['allAnsweredAfterMs']).toBeGreaterThanOrEqual((report['setupFirstAnswerMaxMs'] as number) * 0.998);
    expect(report['latencyFrom']).toBe('send');
    expect(report['fromSendP50Ms']).toBeGreaterThan(0);
    expect(report['fromScheduleP50Ms']).toBeGreaterThan(0);
    // The generator's own CPU is reported (a short load may measure 0 ms at the clock's resolution).
    expect(typeof report['generatorCpuMs']).toBe('number');
    expect(report['generatorCpuMs']).toBeGreaterThanOrEqual(0);

    const primed = await runSpec(loadSpec({ httpMethod: 'POST', messageBytes: 16 }));
    const post = primed.trial.records['report']![0] as Record<string, number | boolean | null>;
    expect(post['primed']).toBe(true);
    expect(post['answered']).toBe(40);
    expect(post['errors']).toBe(0);
  }, 120_000);

  test('httpMethod on a TCP server is refused before the run, naming the field; CPython refuses prime and httpMethod', () => {
    const tcp = { ...loadSpec({ httpMethod: 'GET' }), servers: { web: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } } } } as unknown as AuthoredSpec;
    expect(() => validateSpec(tcp)).toThrow(SpecError);
    try {
      validateSpec(tcp);
    } catch (error) {
      expect((error as SpecError).issues.map((i) => `${i.path}: ${i.message}`)).toContain('actors[0].program[0].httpMethod: httpMethod applies to HTTP loads; web speaks tcp');
    }
    const issues = cpythonIssues(validateSpec(loadSpec({ prime: false, httpMethod: 'GET' })).spec).map((i) => i.path);
    expect(issues).toEqual(['actors[0].program[0].prime', 'actors[0].program[0].httpMethod']);
  });
});
