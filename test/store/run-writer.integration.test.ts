import Database from 'better-sqlite3';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { entryPath } from '../../src-main/engine/entry-paths';
import { decodeBatches } from '../../src-main/model/trace-event';
import { RunStore } from '../../src-main/store/run-store';
import { RunWriter, StoreWriteError } from '../../src-main/store/run-writer';
import type { WriterReply } from '../../src-main/store/writer-protocol';
import { makeBatches, makeTempDir, sampleFinish, sampleRunStart, sampleTrial } from './helpers/store-fixtures';

// The worker starts from out/engine/store-writer.mjs, built by test/global-setup.ts.

let temp: ReturnType<typeof makeTempDir>;
let dbFile: string;
const writers: RunWriter[] = [];

async function openWriter(): Promise<RunWriter> {
  const writer = await RunWriter.open(dbFile);
  writers.push(writer);
  return writer;
}

function readStore(): RunStore {
  return RunStore.open(dbFile, { recoverInterrupted: false });
}

beforeEach(() => {
  temp = makeTempDir('conlab-writer-');
  dbFile = path.join(temp.dir, 'lab.db');
});
afterEach(async () => {
  for (const writer of writers.splice(0)) await writer.close().catch(() => undefined);
  temp.remove();
});

describe('RunWriter', () => {
  it('writes 200,000 events in batches of 500 from this thread, all readable with the right counts', async () => {
    const writer = await openWriter();
    await writer.beginRun(sampleRunStart('big'));
    const actors = ['adder-1', 'adder-2', 'adder-3', 'adder-4'];
    const perActorPerTrial = 50; // 2 trials × 4 actors × 50 batches × 500 events = 200,000
    for (let trial = 0; trial < 2; trial++) {
      const byActor = actors.map((actor) => makeBatches(trial, actor, perActorPerTrial, 500));
      // Interleave the actors as a runner would, a few batches per call.
      for (let i = 0; i < perActorPerTrial; i += 5) {
        for (const batches of byActor) writer.appendBatches(batches.slice(i, i + 5));
      }
      void writer.saveTrial(sampleTrial(trial, { eventCount: 100_000 }));
    }
    void writer.finishRun(sampleFinish({ eventCount: 200_000 }));
    await writer.flush();
    expect(writer.pendingBatches).toBe(0);

    const store = readStore();
    try {
      expect(store.countEvents('big')).toBe(200_000);
      const batches = store.readEventBatches('big');
      expect(batches).toHaveLength(400);
      expect(batches.map((b) => `${b.trial}/${b.actor}`)).toEqual(
        [0, 1].flatMap((trial) => actors.flatMap((actor) => Array<string>(perActorPerTrial).fill(`${trial}/${actor}`))),
      );
      const trialOne = store.readEventBatches('big', 1);
      expect(trialOne).toHaveLength(200);
      const events = decodeBatches(trialOne.filter((b) => b.actor === 'adder-3'));
      expect(events).toHaveLength(25_000);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 25_000 }, (_, i) => i));
      const run = store.getRun('big')!;
      expect(run.status).toBe('ok');
      expect(run.trials.map((t) => t.index)).toEqual([0, 1]);
      expect(store.db.prepare('SELECT event_count FROM runs').pluck().get()).toBe(200_000);
    } finally {
      store.close();
    }
  });

  it('stores a batch sent twice once', async () => {
    const writer = await openWriter();
    await writer.beginRun(sampleRunStart('twice'));
    const batches = makeBatches(0, 'a', 10, 100);
    writer.appendBatches('twice', batches);
    writer.appendBatches('twice', batches.slice(3, 7));
    await writer.flush();
    const store = readStore();
    expect(store.countEvents('twice')).toBe(1000);
    expect(store.readEventBatches('twice')).toHaveLength(10);
    store.close();
  });

  it('commits buffered batches on its own, without a flush', async () => {
    const writer = await openWriter();
    await writer.beginRun(sampleRunStart('quiet'));
    writer.appendBatches(makeBatches(0, 'a', 3, 10)); // far below a full transaction
    const store = readStore();
    try {
      await vi.waitFor(() => expect(store.countEvents('quiet')).toBe(30), { timeout: 20_000, interval: 20 });
    } finally {
      store.close();
    }
  });

  it('reports a failed write with a plain message, keeps every other batch, and recovers', async () => {
    const writer = await openWriter();
    const heard: string[] = [];
    writer.onError((error) => heard.push(error.message));
    await writer.beginRun(sampleRunStart('good'));

    writer.appendBatches('good', makeBatches(0, 'a', 3, 10, 0));
    writer.appendBatches('never-begun', makeBatches(0, 'a', 2, 10));
    writer.appendBatches('good', makeBatches(0, 'a', 3, 10, 30));
    const flushed = writer.flush();
    await expect(flushed).rejects.toThrow(StoreWriteError);
    await expect(flushed).rejects.toThrow(/lost 2 event batches of run never-begun: .*run never-begun does not exist/);
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatch(/never-begun/);

    // Later writes go on, and the next flush is clean.
    writer.appendBatches('good', makeBatches(0, 'a', 3, 10, 60));
    await expect(writer.flush()).resolves.toBeUndefined();
    const store = readStore();
    expect(store.countEvents('good')).toBe(90);
    expect(store.countEvents('never-begun')).toBe(0);
    store.close();
  });

  it('rejects a write that fails, and the flush after it', async () => {
    const writer = await openWriter();
    const saved = writer.saveTrial('ghost', sampleTrial(0));
    await expect(saved).rejects.toThrow('cannot save trial 0: run ghost does not exist');
    await expect(writer.flush()).rejects.toThrow('cannot save trial 0: run ghost does not exist');
    await expect(writer.flush()).resolves.toBeUndefined();
  });

  it('needs the run id when not exactly one run is open', async () => {
    const writer = await openWriter();
    expect(() => writer.appendBatches(makeBatches(0, 'a', 1, 1))).toThrow('appendBatches: no run is open; call beginRun first or pass the run id');
    await expect(writer.saveTrial(sampleTrial(0))).rejects.toThrow(/saveTrial: no run is open/);
    void writer.beginRun(sampleRunStart('one'));
    void writer.beginRun(sampleRunStart('two'));
    expect(() => writer.appendBatches(makeBatches(0, 'a', 1, 1))).toThrow('appendBatches: 2 runs are open (one, two); pass the run id');
    await writer.finishRun('two', sampleFinish());
    writer.appendBatches(makeBatches(0, 'a', 1, 1)); // only "one" is open now
    await writer.finishRun(sampleFinish({ status: 'cancelled' }));
    await writer.close();
    const store = readStore();
    expect(store.countEvents('one')).toBe(1);
    expect(store.listRuns({}).map((r) => [r.id, r.status])).toEqual([
      ['two', 'ok'],
      ['one', 'cancelled'],
    ]);
    store.close();
  });

  it('closes once, commits what was queued, and refuses writes afterwards', async () => {
    const writer = await openWriter();
    void writer.beginRun(sampleRunStart('last'));
    writer.appendBatches(makeBatches(0, 'a', 4, 25));
    await Promise.all([writer.close(), writer.close()]);
    expect(() => writer.appendBatches('last', makeBatches(0, 'a', 1, 1))).toThrow(/store writer is closed/);
    await expect(writer.flush()).rejects.toThrow(/store writer is closed/);
    const store = readStore();
    expect(store.countEvents('last')).toBe(100);
    store.close();
  });

  it('fails to open a database from a newer version with the reason', async () => {
    const db = new Database(dbFile);
    db.pragma('user_version = 42');
    db.close();
    await expect(RunWriter.open(dbFile)).rejects.toThrow(/database schema version 42 is newer than this Concurrency Lab supports/);
  });

  it('answers an unknown message type with an explicit failure and keeps working', async () => {
    const worker = new Worker(entryPath('store-writer'), { workerData: { dbPath: dbFile } });
    const replies: WriterReply[] = [];
    const exited = new Promise<number>((resolve) => worker.on('exit', resolve));
    await new Promise<void>((resolve) => {
      worker.on('message', (reply: WriterReply) => {
        replies.push(reply);
        if (reply.type === 'committed' && reply.seq === 2) resolve();
      });
      worker.postMessage({ type: 'vacuum-everything', seq: 1 });
      worker.postMessage({ type: 'flush', seq: 2 });
    });
    expect(replies).toEqual([
      { type: 'ready' },
      { type: 'failed', seq: 1, error: { name: 'Error', message: 'store writer: unknown message type "vacuum-everything"' } },
      { type: 'committed', seq: 1 },
      { type: 'committed', seq: 2 },
    ]);
    worker.postMessage({ type: 'close', seq: 3 });
    expect(await exited).toBe(0);
  });
});
