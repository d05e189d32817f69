import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClaimResult, RunEnvironment, RunRecord, TrialRecord } from '../../../src-main/model/run-model';
import type { EncodedEvent, EventBatch } from '../../../src-main/model/trace-event';
import type { RunFinish, RunStart } from '../../../src-main/store/store-model';

/** A fresh directory under the OS temp dir, and the function that removes it. */
export function makeTempDir(prefix = 'conlab-store-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const sampleEnvironment: RunEnvironment = {
  os: 'linux 6.1.0 x64',
  cpuModel: 'Test CPU',
  cpuCount: 2,
  totalMemoryMb: 4096,
  node: 'v20.20.0',
  electron: null,
  appVersion: '0.1.0',
  hasProcfs: true,
};

export function sampleRunStart(id: string, overrides: Partial<RunStart> = {}): RunStart {
  return {
    id,
    lessonId: 'race-lost-updates',
    experimentId: null,
    title: 'Lost updates without a lock',
    startedAt: '2025-03-01T09:00:00.000Z',
    spec: { version: 1, actors: [{ kind: 'thread', name: 'adder', count: 2 }] },
    params: { n: 100000 },
    repeat: 3,
    warmup: 1,
    environment: sampleEnvironment,
    substitutions: [{ kind: 'utility', ranAs: 'process', reason: 'Electron is not running' }],
    ...overrides,
  };
}

export function sampleTrial(index: number, overrides: Partial<TrialRecord> = {}): TrialRecord {
  return {
    index,
    warmup: index === 0,
    status: 'ok',
    startedAt: `2025-03-01T09:00:0${index}.000Z`,
    wallMs: 100 + index,
    metrics: { wallMs: 100 + index, lostUpdates: 4000 + index, peakRssMb: 51.5 },
    actors: [
      {
        name: 'adder-1',
        group: 'adder',
        kind: 'thread',
        daemon: false,
        pid: 1234,
        threadId: 1,
        ppid: 1000,
        requestedNs: 0,
        startedNs: 38_000_000,
        endedNs: 90_000_000,
        spawnLatencyMs: 38,
        exit: 'completed',
        error: null,
        eventsEmitted: 1000,
        eventsReceived: 1000,
        eventsDropped: 0,
      },
    ],
    records: { total: [195000 + index] },
    finalShared: { counter: 195000 + index },
    deadlock: null,
    error: null,
    eventCount: 1000,
    eventsLost: 0,
    eventsDropped: 0,
    ...overrides,
  };
}

export const sampleClaims: readonly ClaimResult[] = [
  { id: 'loses-updates', text: { en: 'Updates are lost', zh: '更新会丢失' }, status: 'holds', detail: 'lost 4000 of 200000',
    trials: [{ trial: 0, status: 'holds', detail: 'lost 4000 > 0', comparisons: [{ left: { label: 'lost', value: 4000 }, op: '>', right: { label: '0', value: 0, constant: true }, holds: true }] }] },
  { id: 'lock-fixes', text: { en: 'A lock fixes it', zh: '加锁可以解决' }, status: 'inconclusive', detail: 'one core only' },
  { id: 'faster', text: { en: 'Threads are faster', zh: '线程更快' }, status: 'fails', detail: 'ratio 0.9' },
];

export function sampleFinish(overrides: Partial<RunFinish> = {}): RunFinish {
  return {
    status: 'ok',
    endedAt: '2025-03-01T09:00:05.000Z',
    wallMs: 5000,
    stats: [
      { name: 'wallMs', unit: 'ms', n: 3, median: 102, mean: 102, stddev: 1, min: 101, max: 103, ci95: [99.5, 104.5], outliers: [] },
    ],
    claims: sampleClaims,
    warnings: ['one core only'],
    error: null,
    eventCount: 0,
    ...overrides,
  };
}

export function sampleRunRecord(id: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    ...sampleRunStart(id),
    status: 'ok',
    endedAt: '2025-03-01T09:00:05.000Z',
    wallMs: 5000,
    trials: [sampleTrial(0), sampleTrial(1), sampleTrial(2), sampleTrial(3)],
    stats: sampleFinish().stats,
    claims: sampleClaims,
    warnings: ['one core only'],
    error: null,
    tags: ['baseline', 'lab-1'],
    notes: [{ id: 1, text: 'first try on the lab machine', createdAt: '2025-03-01T10:00:00.000Z' }],
    ...overrides,
  };
}

/** The payload text an actor would send for `count` events starting at `firstSeq` (≈ 60 bytes each). */
export function encodePayload(firstSeq: number, count: number): string {
  const events: EncodedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const seq = firstSeq + i;
    events.push(i % 2 === 0 ? [seq, seq * 1000, 'acquire', 'B', { lock: 'counter-lock' }] : [seq, seq * 1000, 'acquire', 'E']);
  }
  return JSON.stringify(events);
}

/** Consecutive batches of one actor: `batches` batches of `perBatch` events from sequence `firstSeq`. */
export function makeBatches(trial: number, actor: string, batches: number, perBatch: number, firstSeq = 0): EventBatch[] {
  const result: EventBatch[] = [];
  for (let b = 0; b < batches; b++) {
    const seq = firstSeq + b * perBatch;
    result.push({
      trial,
      actor,
      firstSeq: seq,
      count: perBatch,
      tFirst: seq * 1000,
      tLast: (seq + perBatch - 1) * 1000,
      payload: encodePayload(seq, perBatch),
    });
  }
  return result;
}
