// Trace back-pressure from the live view to the actors: a run whose live batches are not taken (the consumer of
// onBatch has not let them go) is held by its runner at a bounded amount, for thread actors (their hold word) and
// process actors (their credit window on the runner's answers) alike; once the batches are taken the run
// completes `ok` with every event stored. A real LabService, a real runner process, real actors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BACKLOG_HOLD_BYTES } from '../../src-main/engine/runner/trial';
import type { EventBatch } from '../../src-main/model/trace-event';
import { LabService } from '../../src-main/service/lab-service';

const MB = 1024 * 1024;
let dir: string;
let service: LabService;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-trace-bp-'));
  service = LabService.open({ dbPath: join(dir, 'history.db'), workRoot: join(dir, 'work') });
});

afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

const EVENTS_PER_ACTOR = 150_000;
const ACTORS = 2;
/** About 200 bytes per event: the run's live stream is some 60 MB, seven times the runner's hold mark. */
const MESSAGE = 'y'.repeat(160);
/** Per actor: 'actor' B and E around the program, 'repeat' B and E around the logs. */
const FRAME_EVENTS = 4;

async function poll(condition: () => boolean, what: string, boundMs = 120_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function heldRun(kind: 'thread' | 'process'): Promise<void> {
  const spec = {
    version: 1,
    actors: [{ name: 'logger', kind, count: ACTORS, program: [{ op: 'repeat', times: EVENTS_PER_ACTOR, trace: 'each', steps: [{ op: 'log', message: MESSAGE }] }] }],
  };
  // Batches are handed over and not let go: the consumer keeps every promise it answered unsettled.
  const waiting: (() => void)[] = [];
  let holding = true;
  let handedBytes = 0;
  let handedEvents = 0;
  let lastGrowth = Date.now();
  const { runId, done } = await service.startRun({
    spec,
    onBatch: (batch: EventBatch) => {
      handedBytes += batch.payload.length;
      handedEvents += batch.count;
      lastGrowth = Date.now();
      if (!holding) return undefined;
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
  });
  // The runner holds its actors once BACKLOG_HOLD_BYTES are untaken: what is handed over stops growing.
  await poll(() => handedBytes > BACKLOG_HOLD_BYTES / 2 && Date.now() - lastGrowth > 750, 'the handed batches to stop growing');
  const streamBytes = ACTORS * EVENTS_PER_ACTOR * MESSAGE.length;
  // The hold mark, plus what the actors had under way when it was reached (threads: the batches queued on their
  // ports before they saw their hold word; processes: their windows).
  expect(handedBytes).toBeLessThan(BACKLOG_HOLD_BYTES + 8 * MB);
  expect(handedBytes).toBeLessThan(streamBytes / 3);
  expect(service.getRun(runId).status).toBe('running');

  // The consumer catches up: everything waiting is taken and the run goes on to its end.
  holding = false;
  for (const resolve of waiting.splice(0)) resolve();
  const run = await done;
  expect(run.status).toBe('ok');
  const expected = ACTORS * (EVENTS_PER_ACTOR + FRAME_EVENTS);
  const trial = run.trials[0]!;
  expect(trial.eventCount).toBe(expected);
  expect(handedEvents).toBe(expected);
  // The runner stayed small while it held the run (a runner that kept the stream would be past 300 MB).
  expect(trial.metrics['runnerPeakRssMb']).toBeLessThan(300);
}

test('thread actors whose live batches are not taken are held by the runner; taken, the run completes whole', async () => {
  await heldRun('thread');
}, 240_000);

test('process actors whose live batches are not taken are held through their credit window; taken, the run completes whole', async () => {
  await heldRun('process');
}, 240_000);
