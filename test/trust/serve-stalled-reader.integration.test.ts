// Browser mode and a client that sends requests without reading the answers: the server stops reading from it once
// its answers waiting pass a bound, so what it queues for that connection stays near the bound, not the sum of every
// answer asked for; once the client reads again, every request is answered. A real server and WebSocket client.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { ServerMessage } from '../../src-main/contract/messages';
import { startLabServer, type LabServer } from '../../src-main/serve/lab-server';
import { LabService } from '../../src-main/service/lab-service';

const MB = 1024 * 1024;
/** RESPONSE_BUFFER_LIMIT_BYTES and REQUESTS_IN_FLIGHT in lab-server.ts. */
const RESPONSE_BOUND = 8 * MB;
const IN_FLIGHT = 16;
let dir: string;
let service: LabService;
let server: LabServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-stalled-reader-'));
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

async function poll(condition: () => boolean, what: string, boundMs = 60_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a client asking for 64 MB of answers without reading them: the server queues about its bound, then answers all', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { headers: { Origin: `http://127.0.0.1:${server.port}` }, maxPayload: 64 * MB });
  const answered = new Set<number>();
  let failed = 0;
  let answerBytes = 0;
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as ServerMessage;
    if (message.type !== 'response') return;
    answered.add(message.id);
    if (!message.ok) failed++;
    answerBytes = Math.max(answerBytes, data.length);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const ask = (id: number): void => ws.send(JSON.stringify({ type: 'request', id, method: 'specs.schema', params: {} }));
  // One answer read first, to size them.
  ask(1);
  await poll(() => answered.has(1), 'the first answer');
  const count = Math.ceil((64 * MB) / answerBytes);

  ws.pause();
  let peakQueued = 0;
  let lastGrowth = Date.now();
  const sampler = setInterval(() => {
    const queued = server.queuedBytes();
    if (queued > peakQueued) {
      peakQueued = queued;
      lastGrowth = Date.now();
    }
  }, 5);
  try {
    for (let id = 2; id <= count + 1; id++) ask(id);
    // The server answers until its bound is passed, then stops reading this connection: the queue stops growing.
    await poll(() => peakQueued > RESPONSE_BOUND && Date.now() - lastGrowth > 1_000, 'the queue to stop growing');
    // The bound, plus the answers of the requests already started when it was passed.
    expect(peakQueued).toBeLessThan(RESPONSE_BOUND + (IN_FLIGHT + 1) * answerBytes);
    expect(answered.size).toBe(1);

    ws.resume();
    await poll(() => answered.size === count + 1, 'every request to be answered', 120_000);
    expect(failed).toBe(0);
    // Reading resumed as the queue drained: never more than that waited.
    expect(peakQueued).toBeLessThan(RESPONSE_BOUND + (IN_FLIGHT + 1) * answerBytes);
    expect(count * answerBytes).toBeGreaterThan(4 * RESPONSE_BOUND);
  } finally {
    clearInterval(sampler);
    ws.close();
  }
}, 240_000);
