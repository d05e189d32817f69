// Test fixtures: complete RunRecord / TrialRecord / ActorRecord values (every field set) and event batches.
import type { ActorRecord, RunRecord, TrialRecord } from '../../src-main/model/run-model';
import type { EncodedEvent, EventBatch } from '../../src-main/model/trace-event';

export function makeActor(overrides: Partial<ActorRecord> = {}): ActorRecord {
  return {
    name: 'worker-1',
    group: 'worker',
    kind: 'thread',
    daemon: false,
    pid: 4211,
    threadId: 1,
    ppid: 4200,
    requestedNs: 1_000,
    startedNs: 250_000,
    endedNs: 9_000_000,
    spawnLatencyMs: 0.249,
    exit: 'completed',
    error: null,
    eventsEmitted: 4,
    eventsReceived: 4,
    eventsDropped: 0,
    ...overrides,
  };
}

export function makeTrial(overrides: Partial<TrialRecord> = {}): TrialRecord {
  return {
    index: 0,
    warmup: false,
    status: 'ok',
    startedAt: '2025-03-01T10:00:00.000Z',
    wallMs: 12.5,
    metrics: { cpuUserMs: 8.25, peakRssMb: 61.5 },
    actors: [makeActor()],
    records: { 结果: [1, '二', { three: 3 }] },
    finalShared: { counter: 100_000, 名字: '计数器', flags: [true, false, null] },
    deadlock: null,
    error: null,
    eventCount: 4,
    eventsLost: 0,
    eventsDropped: 0,
    ...overrides,
  };
}

/** Counted trials (after `warmups` warm-ups) with the given wall times; warm-ups take 10× the first value. */
export function trialsFromWallMs(values: readonly number[], warmups = 0): TrialRecord[] {
  const trials: TrialRecord[] = [];
  for (let index = 0; index < warmups; index++) {
    trials.push(makeTrial({ index, warmup: true, wallMs: values[0]! * 10, metrics: {} }));
  }
  values.forEach((wallMs, offset) => trials.push(makeTrial({ index: warmups + offset, wallMs, metrics: {} })));
  return trials;
}

export function makeRun(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'run-0001',
    lessonId: 'race-condition',
    experimentId: 'exp-7',
    title: 'Race: 2 threads, no lock, 竞争条件',
    status: 'ok',
    startedAt: '2025-03-01T10:00:00.000Z',
    endedAt: '2025-03-01T10:00:01.250Z',
    wallMs: 1250,
    spec: { version: 1, actors: [{ name: 'worker', kind: 'thread', count: 2 }], note: '说明' },
    params: { n: 100_000, lock: false },
    repeat: 1,
    warmup: 0,
    environment: {
      os: 'linux 6.1.0 x64',
      cpuModel: 'Test CPU @ 3.0GHz',
      cpuCount: 8,
      totalMemoryMb: 16_000,
      node: '20.20.2',
      electron: null,
      appVersion: '0.1.0',
      hasProcfs: true,
    },
    substitutions: [{ kind: 'utility', ranAs: 'child process (fork)', reason: 'Electron is not available' }],
    trials: [makeTrial()],
    stats: [],
    claims: [
      {
        id: 'loses-updates',
        text: { en: 'Unsynchronized increments lose updates', zh: '不加锁的自增会丢失更新' },
        status: 'holds',
        detail: 'counter = 137,214 < 200,000',
        trials: [{ trial: 0, status: 'holds', detail: 'counter 137214 < 0.9 × total 200000 = 180000', comparisons: [{ left: { label: 'counter', value: 137214 }, op: '<', right: { label: 'total', value: 200000 }, factor: 0.9, product: 180000, holds: true }] }],
      },
    ],
    warnings: [],
    error: null,
    tags: ['课堂', 'demo'],
    notes: [{ id: 1, text: 'first try, "cold" machine', createdAt: '2025-03-01T10:05:00.000Z' }],
    ...overrides,
  };
}

/** A batch of one actor's events, encoded as an actor would send it. */
export function makeBatch(trial: number, actor: string, rows: readonly EncodedEvent[]): EventBatch {
  return {
    trial,
    actor,
    firstSeq: rows[0]?.[0] ?? 0,
    count: rows.length,
    tFirst: rows[0]?.[1] ?? 0,
    tLast: rows.at(-1)?.[1] ?? 0,
    payload: JSON.stringify(rows),
  };
}
