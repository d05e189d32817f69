import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { EventBatch } from '../../src-main/contract/dto';
import type { LiveEvent, ServerMessage } from '../../src-main/contract/messages';
import { startLabServer, type LabServer } from '../../src-main/serve/lab-server';
import { LabService } from '../../src-main/service/lab-service';

/** A page that joins a running run (a reload, a second tab) gets the run so far, then the rest, with no gap and nothing twice. */

let dir: string;
let service: LabService;
let server: LabServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-catchup-'));
  const root = join(dir, 'renderer');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>lab</title>');
  service = LabService.open({ dbPath: join(dir, 'history.db') });
  server = await startLabServer({ service, rendererRoot: root });
});

afterAll(async () => {
  await server?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

type EventOf<T extends LiveEvent['type']> = Extract<LiveEvent, { type: T }>;

class Client {
  private nextId = 1;
  readonly messages: ServerMessage[] = [];
  private waiters: (() => void)[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as ServerMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }
  static async open(): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { headers: { Origin: `http://127.0.0.1:${server.port}` } });
    const client = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }
  async until<T extends ServerMessage>(match: (message: ServerMessage) => message is T, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('timed out waiting for a message');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
  async call<T>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ type: 'request', id, method, params }));
    const response = await this.until((m): m is Extract<ServerMessage, { type: 'response' }> => m.type === 'response' && m.id === id);
    if (!response.ok) throw new Error(response.error.message);
    return response.result as T;
  }
  live(runId: string): LiveEvent[] {
    return this.messages.flatMap((m) => (m.type === 'event' && m.event.runId === runId ? [m.event] : []));
  }
  ended(runId: string): Promise<unknown> {
    return this.until((m): m is ServerMessage => m.type === 'event' && m.event.type === 'run-ended' && m.event.runId === runId, 120_000);
  }
}

const events = (batches: readonly EventBatch[]): number => batches.reduce((sum, batch) => sum + batch.count, 0);
/** Every event's identity: trial, actor and sequence number. */
const keys = (batches: readonly EventBatch[]): string[] =>
  batches.flatMap((batch) => Array.from({ length: batch.count }, (_, index) => `${batch.trial}/${batch.actor}/${batch.firstSeq + index}`));

/** Two threads that take a lock, wait a little holding nothing and add: a few seconds of steady events. */
const steadySpec = {
  version: 1,
  shared: { total: { scope: 'shared', initial: 0 } },
  primitives: { gate: { type: 'mutex' } },
  actors: [
    {
      name: 'worker',
      kind: 'thread',
      count: 2,
      program: [
        {
          op: 'repeat',
          times: 60,
          trace: 'each',
          steps: [{ op: 'acquire', prim: 'gate' }, { op: 'add', var: 'total', delta: 1 }, { op: 'release', prim: 'gate' }, { op: 'block', ms: 40 }],
        },
      ],
    },
  ],
};

describe('joining a running run', () => {
  test('a second connection that subscribes mid-run gets the whole run so far, then the rest: every stored event once', async () => {
    const starter = await Client.open();
    const { runId } = await starter.call<{ runId: string }>('runs.start', { spec: steadySpec, title: 'catch-up' });
    // Joins once the run has sent a few live messages with events in them.
    const deadline = Date.now() + 60_000;
    while (starter.live(runId).filter((e) => e.type === 'run-live' && e.batches.length > 0).length < 3) {
      if (Date.now() > deadline || starter.live(runId).some((e) => e.type === 'run-ended')) throw new Error('the run sent too few live messages to join it mid-run');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const joiner = await Client.open();
    expect(await joiner.call<{ active: boolean }>('runs.subscribe', { runId })).toEqual({ active: true });
    await joiner.ended(runId);
    await starter.ended(runId);

    const received = joiner.live(runId);
    const catchUp = received.filter((e): e is EventOf<'run-catchup'> => e.type === 'run-catchup');
    const live = received.filter((e): e is EventOf<'run-live'> => e.type === 'run-live');
    // The catch-up comes first, in numbered parts, the last one marked; it brings the trial bar's progress.
    expect(catchUp.length).toBeGreaterThan(0);
    expect(received.slice(0, catchUp.length).every((e) => e.type === 'run-catchup')).toBe(true);
    expect(catchUp.map((e) => e.part)).toEqual(catchUp.map((_, index) => index + 1));
    expect(catchUp.at(-1)!.last).toBe(true);
    const seq = catchUp[0]!.seq;
    expect(seq).toBeGreaterThanOrEqual(3);
    expect(catchUp[0]!.progress).toMatchObject({ runId, trial: 1, trials: 1 });
    expect(catchUp.at(-1)!.skippedEvents).toBe(0);
    // What was sent live to the first page up to that seq is exactly what the catch-up holds.
    const starterLive = starter.live(runId).filter((e): e is EventOf<'run-live'> => e.type === 'run-live');
    const before = starterLive.filter((e) => e.seq <= seq).flatMap((e) => e.batches);
    const caughtUp = catchUp.flatMap((e) => e.batches);
    expect(keys(caughtUp)).toEqual(keys(before));
    // Then the live stream goes on from the next seq, without a gap.
    expect(live.map((e) => e.seq)).toEqual(live.map((_, index) => seq + 1 + index));

    const all = [...caughtUp, ...live.flatMap((e) => e.batches)];
    const seen = keys(all);
    expect(new Set(seen).size).toBe(seen.length);
    const stored = await joiner.call<EventBatch[]>('history.events', { runId });
    expect(events(all)).toBe(events(stored));
    expect(new Set(seen)).toEqual(new Set(keys(stored)));
    // The first event of the run (near time 0) is among them: the view starts where the run started.
    const firstT = Math.min(...all.map((batch) => batch.tFirst));
    expect(firstT).toBe(Math.min(...stored.map((batch) => batch.tFirst)));
    starter.ws.close();
    joiner.ws.close();
  }, 180_000);

  test('joining in the second trial: that trial from its start, the first counted as skipped, and the totals add up to the stored run', async () => {
    const starter = await Client.open();
    const shortSpec = { ...steadySpec, actors: [{ ...steadySpec.actors[0]!, program: [{ ...steadySpec.actors[0]!.program[0]!, times: 25 }] }] };
    const { runId } = await starter.call<{ runId: string }>('runs.start', { spec: shortSpec, repeat: 2 });
    const deadline = Date.now() + 90_000;
    const secondTrialBatches = (): number =>
      starter.live(runId).reduce((sum, e) => sum + (e.type === 'run-live' ? e.batches.filter((b) => b.trial === 1).length : 0), 0);
    while (secondTrialBatches() < 2) {
      if (Date.now() > deadline || starter.live(runId).some((e) => e.type === 'run-ended')) throw new Error('the run ended before its second trial could be joined');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const joiner = await Client.open();
    expect(await joiner.call<{ active: boolean }>('runs.subscribe', { runId })).toEqual({ active: true });
    await joiner.ended(runId);
    const received = joiner.live(runId);
    const catchUp = received.filter((e): e is EventOf<'run-catchup'> => e.type === 'run-catchup');
    const live = received.filter((e): e is EventOf<'run-live'> => e.type === 'run-live');
    const caughtUp = catchUp.flatMap((e) => e.batches);
    expect(caughtUp.length).toBeGreaterThan(0);
    expect(caughtUp.every((batch) => batch.trial === 1)).toBe(true);
    expect(catchUp[0]!.progress).toMatchObject({ trial: 2, trials: 2 });
    const stored = await joiner.call<EventBatch[]>('history.events', { runId });
    const storedFirstTrial = events(stored.filter((batch) => batch.trial === 0));
    const skipped = catchUp.at(-1)!.skippedEvents;
    expect(skipped).toBe(storedFirstTrial);
    // Skipped, caught up and live: every stored event once.
    expect(skipped + events(caughtUp) + events(live.flatMap((e) => e.batches))).toBe(events(stored));
    expect(new Set(keys([...caughtUp, ...live.flatMap((e) => e.batches)]))).toEqual(new Set(keys(stored.filter((batch) => batch.trial === 1))));
    // The lock steps of the first trial are counted for the page's counters: 2 threads × 25 acquisitions, 2 events each.
    expect(catchUp.at(-1)!.skippedOps).toEqual({ acquire: 100, release: 50 });
    starter.ws.close();
    joiner.ws.close();
  }, 180_000);

  test('joining in the third of four trials: the catch-up brings the two finished trials as stored, the same the first page was sent', async () => {
    const starter = await Client.open();
    const spec = {
      version: 1,
      shared: { total: { scope: 'shared', initial: 0 } },
      actors: [
        {
          name: 'worker',
          kind: 'thread',
          count: 2,
          program: [
            { op: 'repeat', times: 12, trace: 'each', steps: [{ op: 'block', ms: 50 }, { op: 'add', var: 'total', delta: 1 }] },
            { op: 'record', name: 'rounds', value: 12 },
          ],
        },
      ],
      claims: [{ id: 'recorded', text: { en: 'rounds were recorded', zh: '记录了轮数' }, check: { compare: [{ record: 'rounds' }, '>', { const: 0 }] } }],
    };
    const { runId } = await starter.call<{ runId: string }>('runs.start', { spec, repeat: 4 });
    const deadline = Date.now() + 120_000;
    const thirdTrialBatches = (): number =>
      starter.live(runId).reduce((sum, e) => sum + (e.type === 'run-live' ? e.batches.filter((b) => b.trial === 2).length : 0), 0);
    while (thirdTrialBatches() < 1) {
      if (Date.now() > deadline || starter.live(runId).some((e) => e.type === 'run-ended')) throw new Error('the run ended before its third trial could be joined');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const joiner = await Client.open();
    expect(await joiner.call<{ active: boolean }>('runs.subscribe', { runId })).toEqual({ active: true });
    const catchUp = joiner.live(runId).filter((e): e is EventOf<'run-catchup'> => e.type === 'run-catchup');
    expect(catchUp.length).toBeGreaterThan(0);
    const caughtTrials = catchUp[0]!.trials ?? [];
    // Trials 1 and 2 ended before the third started: both are there at once, before the run ends.
    expect(caughtTrials.map((trial) => trial.index)).toEqual([0, 1]);
    expect(joiner.live(runId).some((e) => e.type === 'run-ended')).toBe(false);
    await joiner.ended(runId);
    await starter.ended(runId);

    // The first page was sent the same summaries as the trials ended, and the last two after the join.
    const sentLive = (client: Client) => client.live(runId).flatMap((e) => (e.type === 'run-live' ? (e.trials ?? []) : []));
    expect(sentLive(starter).slice(0, 2)).toEqual(caughtTrials);
    expect(sentLive(starter).map((trial) => trial.index)).toEqual([0, 1, 2, 3]);
    expect(sentLive(joiner)).toEqual(sentLive(starter).slice(2));
    // What they say is what was stored.
    const stored = await joiner.call<{ trials: { index: number; status: string; wallMs: number; eventCount: number; records: Record<string, unknown[]> }[] }>('history.get', { runId });
    for (const summary of sentLive(starter)) {
      const trial = stored.trials.find((candidate) => candidate.index === summary.index)!;
      expect(summary).toMatchObject({ status: trial.status, wallMs: trial.wallMs, eventCount: trial.eventCount, deadlock: false, error: null });
      expect(summary.eventCount).toBeGreaterThan(0);
      expect(summary.records).toEqual([{ name: 'rounds', count: 2, last: '12' }]);
      expect(summary.claims).toEqual([{ id: 'recorded', status: 'holds' }]);
    }
    starter.ws.close();
    joiner.ws.close();
  }, 240_000);

  test('subscribing to a run that has ended answers inactive and sends nothing', async () => {
    const client = await Client.open();
    const { runId } = await client.call<{ runId: string }>('runs.start', { spec: { ...steadySpec, actors: [{ ...steadySpec.actors[0]!, count: 1, program: [{ op: 'add', var: 'total', delta: 1 }] }] } });
    await client.ended(runId);
    const late = await Client.open();
    expect(await late.call<{ active: boolean }>('runs.subscribe', { runId })).toEqual({ active: false });
    expect(late.live(runId)).toEqual([]);
    client.ws.close();
    late.ws.close();
  }, 120_000);
});
