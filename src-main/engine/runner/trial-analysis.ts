import type { ActorRecord, DeadlockReport, RunStatus, TrialRecord } from '../run-model';
import { decodeBatch, type EventBatch, type TraceEvent } from '../trace/trace-event';
import { setOwnValue } from '../spec/own-names';

/**
 * What a trial's events and actors say once it has ended: metrics, recorded values, section
 * concurrency and the event accounting (emitted vs received per actor).
 */

export interface TrialAnalysisInput {
  readonly index: number;
  readonly warmup: boolean;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly wallMs: number;
  readonly actors: readonly ActorRecord[];
  readonly batches: readonly EventBatch[];
  readonly finalShared: Readonly<Record<string, unknown>>;
  readonly deadlock: DeadlockReport | null;
  readonly error: string | null;
  readonly cpu: { readonly userMs: number; readonly systemMs: number };
  readonly runnerPeakRssMb: number;
  readonly processPeakRssMb: number;
  readonly extraMetrics?: Readonly<Record<string, number>>;
}

/** Events that carry meaning for the analysis: records, section boundaries and lock waits, in time order. */
function keyEvents(batches: readonly EventBatch[], withAcquires: boolean): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (const batch of batches) {
    // Cheap pre-filter: most batches hold neither records nor sections.
    if (!batch.payload.includes('"record"') && !batch.payload.includes('"section"') && !(withAcquires && batch.payload.includes('"acquire"'))) continue;
    for (const event of decodeBatch(batch)) {
      if (event.op === 'record' || event.op === 'section' || (withAcquires && event.op === 'acquire' && event.ph === 'B')) events.push(event);
    }
  }
  events.sort((a, b) => a.t - b.t || a.seq - b.seq);
  return events;
}

export function analyzeTrial(input: TrialAnalysisInput): TrialRecord {
  // A Map while collecting: record names come from specs (`constructor` is a record name like any other).
  const recorded = new Map<string, unknown[]>();
  const inside = new Map<string, number>();
  const maxInside = new Map<string, number>();
  // The cycle formed when its last member began to wait; detection latency is measured from then.
  const waitStarts = new Map<string, number>();
  const cycle = input.deadlock?.cycle ?? [];
  for (const event of keyEvents(input.batches, cycle.length > 0)) {
    const data = event.data ?? {};
    if (event.op === 'acquire') {
      if (cycle.some((edge) => edge.actor === event.actor && edge.waitsFor === data['prim'])) waitStarts.set(event.actor, event.t);
    } else if (event.op === 'record') {
      const name = String(data['name']);
      const values = recorded.get(name);
      if (values) values.push(data['value']);
      else recorded.set(name, [data['value']]);
    } else if (event.ph === 'B' || event.ph === 'E') {
      const name = String(data['name']);
      const now = (inside.get(name) ?? 0) + (event.ph === 'B' ? 1 : -1);
      inside.set(name, now);
      maxInside.set(name, Math.max(maxInside.get(name) ?? 0, now));
    }
  }

  const records: Record<string, unknown[]> = {};
  for (const [name, values] of recorded) setOwnValue(records, name, values);

  const metrics: Record<string, number> = {
    wallMs: input.wallMs,
    cpuUserMs: input.cpu.userMs,
    cpuSystemMs: input.cpu.systemMs,
    runnerPeakRssMb: input.runnerPeakRssMb,
    processPeakRssMb: input.processPeakRssMb,
    actorsStarted: input.actors.filter((a) => a.startedNs !== null).length,
    ...input.extraMetrics,
  };
  const latencies = new Map<string, number[]>();
  for (const actor of input.actors) {
    if (actor.spawnLatencyMs === null) continue;
    const list = latencies.get(actor.kind) ?? [];
    list.push(actor.spawnLatencyMs);
    latencies.set(actor.kind, list);
  }
  for (const [kind, list] of latencies) metrics[`spawnLatencyMs.${kind}`] = list.reduce((a, b) => a + b, 0) / list.length;
  for (const [name, max] of maxInside) metrics[`section.${name}.max`] = max;
  if (input.deadlock && waitStarts.size === cycle.length) {
    metrics['deadlockLatencyMs'] = input.deadlock.detectedAtMs - Math.max(...waitStarts.values()) / 1e6;
  }

  const eventCount = input.actors.reduce((sum, a) => sum + a.eventsReceived, 0);
  const eventsLost = input.actors.reduce((sum, a) => sum + Math.max(0, a.eventsEmitted - a.eventsReceived), 0);
  const eventsDropped = input.actors.reduce((sum, a) => sum + a.eventsDropped, 0);
  metrics['events'] = eventCount;

  return {
    index: input.index,
    warmup: input.warmup,
    status: input.status,
    startedAt: input.startedAt,
    wallMs: input.wallMs,
    metrics,
    actors: input.actors,
    records,
    finalShared: input.finalShared,
    deadlock: input.deadlock,
    error: input.error,
    eventCount,
    eventsLost,
    eventsDropped,
  };
}
