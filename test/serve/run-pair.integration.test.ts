import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LiveEvent } from '../../src-main/contract/messages';
import { discoverPython } from '../../src-main/engine/runtimes/python-discovery';
import { createContractHandlers, type ContractHandlers } from '../../src-main/serve/contract-handlers';
import { RunHub } from '../../src-main/serve/run-hub';
import { LabService } from '../../src-main/service/lab-service';

/**
 * runs.startPair on the real engine and a real CPython: the Node run, then the CPython run, both
 * tagged with the pair; a cancelled Node run starts no CPython run.
 */

const PYTHON = discoverPython().found;

let dir: string;
let service: LabService;
let hub: RunHub;
let handlers: ContractHandlers;
const events: LiveEvent[] = [];
const subscriber = { send: (event: LiveEvent) => void events.push(event) };

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-pair-'));
  service = LabService.open({ dbPath: join(dir, 'history.db') });
  hub = new RunHub(service);
  handlers = createContractHandlers(service, hub, 'browser');
});

afterAll(async () => {
  await hub?.stop(20_000);
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!PYTHON)('runs.startPair', () => {
  test('runs the lesson on Node, then on CPython, both tagged pair:<id>, with live events for each', async () => {
    const { runId, pairId } = await handlers['runs.startPair']({ lessonId: 'thread-start' }, { subscriber });
    const tag = `pair:${pairId}`;
    const pairRuns = () => service.listRuns({ tag, limit: 10 });
    await until(() => pairRuns().length === 2 && pairRuns().every((run) => run.status !== 'running'), 120_000, 'both runs of the pair');
    const runs = pairRuns();
    const node = runs.find((run) => run.runtime === 'node')!;
    const python = runs.find((run) => run.runtime === 'cpython')!;
    expect(node.id).toBe(runId);
    expect(python).toBeDefined();
    expect(service.getRun(python.id).environment.runtime?.name).toBe('cpython');
    // CPython starts only once the Node run has ended.
    expect(Date.parse(service.getRun(python.id).startedAt)).toBeGreaterThanOrEqual(Date.parse(service.getRun(node.id).endedAt!));
    // The record is written before the live end goes out: every run the hub started has sent its end after settled().
    await hub.settled();
    const ended = events.filter((event) => event.type === 'run-ended').map((event) => event.runId);
    expect(ended).toEqual([node.id, python.id]);
    expect(service.pairedRuns(node.id).map((other) => other.id)).toEqual([python.id]);
  });

  test('a cancelled Node run starts no CPython run', async () => {
    const before = service.listRuns({ limit: 1000 }).length;
    const { runId, pairId } = await handlers['runs.startPair']({ lessonId: 'thread-start', repeat: 1000 }, { subscriber });
    expect(handlers['runs.cancel']({ runId }, { subscriber })).toEqual({ cancelled: true });
    await until(() => service.getRun(runId).status !== 'running', 30_000, 'the cancelled run to be recorded');
    expect(service.getRun(runId).status).toBe('cancelled');
    // Every run the hub started has sent its end; the pair's next step has had its turn.
    await hub.settled();
    // Absence is watched for a bounded window: a CPython start would show up as a new run (its row is written at start).
    const appeared = await until(() => service.listRuns({ limit: 1000 }).length > before + 1, 3_000, 'a second run').then(
      () => true,
      () => false,
    );
    expect(appeared).toBe(false);
    expect(service.listRuns({ tag: `pair:${pairId}`, limit: 10 }).map((run) => run.id)).toEqual([runId]);
    expect(service.activeRuns()).toEqual([]);
  });

  test('a lesson CPython refuses is refused as a pair, naming why, before anything starts', async () => {
    const before = service.listRuns({ limit: 100 }).length;
    const { LESSONS } = await import('../../src-main/lessons/catalog');
    const refused = LESSONS.find((lesson) => service.runtimeRefusal({ lessonId: lesson.id }, 'cpython') !== null);
    if (!refused) return;
    await expect(handlers['runs.startPair']({ lessonId: refused.id }, { subscriber })).rejects.toThrow(/cannot run as a pair: CPython refuses it/);
    expect(service.listRuns({ limit: 100 }).length).toBe(before);
  });
});
