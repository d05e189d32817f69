// A page that acknowledges live messages (live-ack) and then stops, its script busy while its socket is still read:
// the server sends it no more than a window of messages past its last acknowledgement, then one marker with what
// it skipped; the run is stored whole. A real server, a real runner and a real WebSocket client.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { LIVE_WINDOW_MESSAGES } from '../../src-main/contract/live-batcher';
import type { LiveEvent, ServerMessage } from '../../src-main/contract/messages';
import { startLabServer, type LabServer } from '../../src-main/serve/lab-server';
import { LabService } from '../../src-main/service/lab-service';

let dir: string;
let service: LabService;
let server: LabServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-live-ack-'));
  const root = join(dir, 'renderer');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>lab</title>');
  service = LabService.open({ dbPath: join(dir, 'history.db'), workRoot: join(dir, 'work') });
  server = await startLabServer({ service, rendererRoot: root });
});

afterAll(async () => {
  await server?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** About 200 bytes an event: some 40 MB of live stream, about 40 messages of at most 1 MB of batches. */
const EVENTS = 200_000;
const MESSAGE = 'a'.repeat(160);
const ACKED = 2;

test('a page that stops acknowledging is sent at most a window of messages more, then told what it skipped', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { headers: { Origin: `http://127.0.0.1:${server.port}` }, maxPayload: 64 * 1024 * 1024 });
  const live: LiveEvent[] = [];
  let runId: string | null = null;
  let failure: string | null = null;
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as ServerMessage;
    if (message.type === 'response' && message.id === 1) {
      if (message.ok) runId = (message.result as { runId: string }).runId;
      else failure = message.error.message;
    }
    if (message.type !== 'event') return;
    live.push(message.event);
    // The page takes in its first messages, then its script is busy: it still reads, but acknowledges nothing more.
    const taken = live.filter((e) => e.type === 'run-live').length;
    if (message.event.type === 'run-live' && taken <= ACKED) ws.send(JSON.stringify({ type: 'live-ack', runId: message.event.runId, seq: message.event.seq }));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const spec = { version: 1, actors: [{ name: 'logger', kind: 'thread', program: [{ op: 'repeat', times: EVENTS, trace: 'each', steps: [{ op: 'log', message: MESSAGE }] }] }] };
  ws.send(JSON.stringify({ type: 'request', id: 1, method: 'runs.start', params: { spec } }));
  const deadline = Date.now() + 120_000;
  while (!live.some((e) => e.type === 'run-ended')) {
    if (failure) throw new Error(failure);
    if (Date.now() > deadline) throw new Error('run-ended never reached the page');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  ws.close();

  expect(runId).not.toBeNull();
  const run = service.getRun(runId!);
  expect(run.status).toBe('ok');
  const stored = run.trials[0]!.eventCount;
  const withBatches = live.filter((e) => e.type === 'run-live' && e.batches.length > 0);
  const markers = live.filter((e) => e.type === 'run-live' && e.skippedEvents !== undefined);
  const sent = withBatches.reduce((sum, e) => sum + (e.type === 'run-live' ? e.batches.reduce((n, b) => n + b.count, 0) : 0), 0);
  const skipped = markers.reduce((sum, e) => sum + (e.type === 'run-live' ? (e.skippedEvents ?? 0) : 0), 0);
  // The acknowledged messages, then at most the window; the rest skipped and accounted for.
  expect(withBatches.length).toBeLessThanOrEqual(ACKED + LIVE_WINDOW_MESSAGES);
  expect(markers).toHaveLength(1);
  expect(skipped).toBeGreaterThan(0);
  expect(sent + skipped).toBe(stored);
  expect(live.at(-1)?.type).toBe('run-ended');
}, 180_000);
