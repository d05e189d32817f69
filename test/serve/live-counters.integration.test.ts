import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EventBatch } from '../../src-main/contract/dto';
import { decodeBatches, summarisedCounts } from '../../src-main/model/trace-event';
import type { LiveEvent } from '../../src-main/contract/messages';
import { RunHub } from '../../src-main/serve/run-hub';
import { python } from '../cpython/cpython-helpers';
import { LabService } from '../../src-main/service/lab-service';

/**
 * The live counters count what ran, not only what was traced: a lock loop summarised in the trace (a repeat past
 * 10,000) states its acquisitions at its end, and the run's metrics carry them; after a cancel the live
 * counters equal those of the stored trace.
 */

let dir: string;
let service: LabService;
let hub: RunHub;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-counters-'));
  service = LabService.open({ dbPath: join(dir, 'history.db') });
  hub = new RunHub(service);
});

afterAll(async () => {
  await hub?.stop(10_000);
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

const lockLoop = (times: number, trace?: 'each' | 'summary') => ({
  version: 1,
  shared: { total: { scope: 'shared', initial: 0 } },
  primitives: { gate: { type: 'mutex' } },
  actors: [
    {
      name: 'worker',
      kind: 'thread',
      count: 2,
      program: [
        { op: 'repeat', times, ...(trace ? { trace } : {}), steps: [{ op: 'acquire', prim: 'gate' }, { op: 'add', var: 'total', delta: 1 }, { op: 'release', prim: 'gate' }] },
      ],
    },
  ],
});

/** Starts a run through the hub and collects the batches its live stream carries until run-ended. */
async function liveRun(spec: unknown, onLive?: (runId: string, eventsSoFar: number) => void, runtime?: 'cpython'): Promise<{ runId: string; batches: EventBatch[]; ended: Extract<LiveEvent, { type: 'run-ended' }> }> {
  const batches: EventBatch[] = [];
  let events = 0;
  let resolveEnd!: (event: Extract<LiveEvent, { type: 'run-ended' }>) => void;
  const ended = new Promise<Extract<LiveEvent, { type: 'run-ended' }>>((resolve) => (resolveEnd = resolve));
  const { runId } = await hub.start({ spec, ...(runtime ? { runtime } : {}) } as Parameters<RunHub['start']>[0], {
    send: (event) => {
      if (event.type === 'run-live') {
        batches.push(...event.batches);
        events += event.batches.reduce((sum, batch) => sum + batch.count, 0);
        onLive?.(event.runId, events);
      }
      if (event.type === 'run-ended') resolveEnd(event);
    },
  });
  return { runId, batches, ended: await ended };
}

/** Counts as the live view's timeline model keeps them: events, and steps by op (summarised ones included). */
interface Counts {
  eventCount: number;
  opCounts: Map<string, number>;
}
function modelOf(batches: readonly EventBatch[]): Counts {
  const opCounts = new Map<string, number>();
  const events = decodeBatches(batches);
  for (const event of events) {
    opCounts.set(event.op, (opCounts.get(event.op) ?? 0) + 1);
    for (const [op, count] of summarisedCounts(event)) opCounts.set(op, (opCounts.get(op) ?? 0) + count);
  }
  return { eventCount: events.length, opCounts };
}
/** What the live counters show as lock acquisitions (an acquire step traces a begin and an end). */
const acquisitions = (model: Counts): number => Math.floor((model.opCounts.get('acquire') ?? 0) / 2);

describe('counters', () => {
  test('a summarised lock loop of 100,000 acquisitions counts 100,000, live, stored and in the metrics', async () => {
    const { runId, batches, ended } = await liveRun(lockLoop(50_000));
    expect(ended.status).toBe('ok');
    const live = modelOf(batches);
    // The trace holds a few events per actor, not 300,000: the loop is summarised.
    expect(live.eventCount).toBeLessThan(100);
    expect(acquisitions(live)).toBe(100_000);
    expect(live.opCounts.get('release')).toBe(100_000);
    const stored = modelOf(service.runEvents(runId));
    expect(acquisitions(stored)).toBe(100_000);
    const record = service.getRun(runId);
    expect(record.trials[0]!.metrics['acquires']).toBe(100_000);
    expect(record.stats.find((stat) => stat.name === 'acquires')).toMatchObject({ median: 100_000 });
  }, 120_000);

  test.skipIf(!python)('on CPython too: a summarised lock loop of 20,000 acquisitions counts 20,000', async () => {
    const { runId, batches, ended } = await liveRun(lockLoop(10_000, 'summary'), undefined, 'cpython');
    expect(ended.status).toBe('ok');
    expect(acquisitions(modelOf(batches))).toBe(20_000);
    expect(modelOf(batches).opCounts.get('release')).toBe(20_000);
    expect(service.getRun(runId).trials[0]!.metrics['acquires']).toBe(20_000);
  }, 120_000);

  test('a traced lock loop counts its acquisitions in the metrics as the live counters do', async () => {
    const { runId, batches } = await liveRun(lockLoop(500, 'each'));
    expect(acquisitions(modelOf(batches))).toBe(1_000);
    expect(service.getRun(runId).trials[0]!.metrics['acquires']).toBe(1_000);
  }, 120_000);

  test('after a cancel the live counters equal those of the stored trace', async () => {
    let cancelled = false;
    // Cancelled once thousands of events have come live, well before the million iterations are done.
    const pending = liveRun(lockLoop(1_000_000, 'each'), (runId, eventsSoFar) => {
      if (cancelled || eventsSoFar < 5_000) return;
      cancelled = true;
      service.cancel(runId);
    });
    const { runId, batches, ended } = await pending;
    expect(ended.status).toBe('cancelled');
    const live = modelOf(batches);
    const stored = modelOf(service.runEvents(runId));
    expect(live.eventCount).toBeGreaterThan(0);
    expect(live.eventCount).toBe(stored.eventCount);
    expect(acquisitions(live)).toBe(acquisitions(stored));
    expect(live.opCounts.get('release') ?? 0).toBe(stored.opCounts.get('release') ?? 0);
    expect(live.eventCount).toBe(service.getRun(runId).trials.reduce((sum, trial) => sum + trial.eventCount, 0));
  }, 120_000);
});
