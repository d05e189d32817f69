import type { EventBatch, Lesson, RunRecord, RunSummary } from '../../src-main/contract/dto';

export const raceLesson: Lesson = {
  id: 'race-counter',
  chapter: 'threads',
  title: { en: 'A race that loses updates', zh: '丢失更新的竞争' },
  text: {
    teaches: { en: 'Threads overwrite each other.', zh: '线程互相覆盖。' },
    watch: { en: 'Watch the lanes.', zh: '看泳道。' },
    pythonVsNode: { en: 'The GIL.', zh: 'GIL。' },
    tryNext: { en: 'Set windowMs=0.', zh: '把 windowMs 设为 0。' },
  },
  spec: {
    version: 1,
    params: {
      threads: { type: 'integer', default: 20, min: 2, max: 200, description: { en: 'threads in each phase', zh: '每个阶段的线程数' } },
      useLock: { type: 'boolean', default: false },
      mode: { type: 'choice', default: 'fast', choices: ['fast', 'slow'] },
    },
    actors: [],
    claims: [{ id: 'updates-lost', text: { en: 'Without a lock, updates are lost', zh: '不加锁会丢失更新' }, check: { compare: [{ shared: 'counter' }, '<', { const: { param: 'threads' } }] } }],
  },
};

export const deadlockLesson: Lesson = {
  ...raceLesson,
  id: 'deadlock',
  title: { en: 'Deadlock: two locks', zh: '死锁：两把锁' },
  text: { ...raceLesson.text, teaches: { en: 'Opposite lock orders form a cycle.', zh: '相反的加锁顺序形成环。' } },
  spec: { version: 1, actors: [], claims: [{ id: 'deadlock-detected', text: { en: 'The deadlock is detected', zh: '检测到死锁' }, check: { compare: [{ status: true }, '==', { const: 'deadlocked' }] } }] },
};

export const chapters = [
  { id: 'processes' as const, title: { en: 'Processes', zh: '进程' } },
  { id: 'threads' as const, title: { en: 'Threads and locks', zh: '线程与锁' } },
];

/** A batch of events for one actor, encoded as actors encode them. */
export function batch(actor: string, rows: [number, string, 'B' | 'E' | 'I', Record<string, unknown>?][], trial = 0, firstSeq = 0): EventBatch {
  const encoded = rows.map(([t, op, ph, data], index) => (data ? [firstSeq + index, t, op, ph, data] : [firstSeq + index, t, op, ph]));
  return { trial, actor, firstSeq, count: rows.length, tFirst: rows[0]?.[0] ?? 0, tLast: rows[rows.length - 1]?.[0] ?? 0, payload: JSON.stringify(encoded) };
}

export function summary(id: string, change: Partial<RunSummary> = {}): RunSummary {
  return { id, lessonId: 'race-counter', title: `run ${id}`, status: 'ok', startedAt: '2025-01-02T03:04:05.000Z', wallMs: 1234, trials: 1, claimsHeld: 2, claimsFailed: 0, claimsInconclusive: 1, tags: [], runtime: 'node', ...change };
}

export function record(id: string, change: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    lessonId: 'race-counter',
    experimentId: null,
    title: `run ${id}`,
    status: 'ok',
    startedAt: '2025-01-02T03:04:05.000Z',
    endedAt: '2025-01-02T03:04:06.000Z',
    wallMs: 1000,
    spec: {},
    params: { threads: 20 },
    repeat: 1,
    warmup: 0,
    environment: { os: 'linux', cpuModel: 'cpu', cpuCount: 2, totalMemoryMb: 1024, node: 'v20', electron: null, appVersion: '0.1.0', hasProcfs: true },
    substitutions: [],
    trials: [],
    stats: [],
    claims: [{ id: 'updates-lost', text: { en: 'Without a lock, updates are lost', zh: '不加锁会丢失更新' }, status: 'holds', detail: 'record unlockedFinal = 11 > 0' }],
    warnings: [],
    error: null,
    tags: [],
    notes: [],
    ...change,
  };
}
