// Program fragments shared by tests: in-spec synchronisation that does not depend on timing.
import type { Step } from '../../../src-main/model/spec-schema';

/**
 * Bounded polling inside an actor's program: reads `variable` every 10 ms until it reaches `count`
 * (at most 1,000 polls, 10 s). Use a managed variable when processes count too: their shared words are
 * private copies. Iterations after the count was reached do nothing.
 */
export function untilCount(variable: string, count: number): Step[] {
  return [
    { op: 'read', var: variable, into: '_seen' },
    {
      op: 'repeat',
      times: 1_000,
      trace: 'summary',
      steps: [{ op: 'if', cond: { compare: [{ ref: '_seen' }, '<', count] }, then: [{ op: 'sleep', ms: 10 }, { op: 'read', var: variable, into: '_seen' }] }],
    },
  ];
}
