// @vitest-environment happy-dom
import { describe, expect, test } from 'vitest';
import { RemoteError } from '../../src-main/contract/messages';
import { en } from '../../src-renderer/i18n/en';
import { resolveLocale } from '../../src-renderer/i18n';
import { zhCN } from '../../src-renderer/i18n/zh-CN';
import { bytesToBase64, base64ToBytes } from '../../src-renderer/transport/base64';
import { createLabClient, errorMessage } from '../../src-renderer/transport/lab-client';
import { WebSocketTransport } from '../../src-renderer/transport/websocket-transport';

/** Just enough of a browser WebSocket for the transport: records what is sent, lets the test answer. */
class FakeSocket {
  static last: FakeSocket | null = null;
  readonly sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  serverSays(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

function transport(): { socket: FakeSocket; ws: WebSocketTransport } {
  const ws = new WebSocketTransport('ws://127.0.0.1:1/ws?token=t', (url) => new FakeSocket(url) as unknown as WebSocket);
  return { socket: FakeSocket.last!, ws };
}

describe('WebSocketTransport', () => {
  test('takes the token from the page URL', () => {
    expect(WebSocketTransport.urlFor({ host: '127.0.0.1:4000', protocol: 'http:', search: '?token=abc-_1' })).toBe('ws://127.0.0.1:4000/ws?token=abc-_1');
    expect(WebSocketTransport.urlFor({ host: '127.0.0.1:4000', protocol: 'http:', search: '' })).toBeNull();
  });

  test('queues requests until open, then matches responses to requests by id', async () => {
    const { socket, ws } = transport();
    const first = ws.request('lessons.list', {});
    const second = ws.request('runs.active', {});
    expect(socket.sent).toEqual([]);
    socket.onopen!();
    expect(socket.sent).toEqual([
      { type: 'request', id: 1, method: 'lessons.list', params: {} },
      { type: 'request', id: 2, method: 'runs.active', params: {} },
    ]);
    socket.serverSays({ type: 'response', id: 2, ok: true, result: ['r'] });
    socket.serverSays({ type: 'response', id: 1, ok: false, error: { name: 'LabError', message: 'no', code: 'not-found' } });
    expect(await second).toEqual(['r']);
    await expect(first).rejects.toMatchObject({ name: 'LabError', message: 'no', code: 'not-found' });
  });

  test('live events go to listeners; messages outside the contract are ignored', () => {
    const { socket, ws } = transport();
    socket.onopen!();
    const seen: unknown[] = [];
    ws.onLiveEvent((event) => seen.push(event));
    socket.serverSays({ type: 'event', event: { type: 'run-ended', runId: 'r', status: 'ok', error: null } });
    socket.serverSays({ type: 'event', event: { type: 'run-exploded', runId: 'r' } });
    socket.serverSays({ type: 'hello', protocol: 1, version: '0.1.0' });
    expect(seen).toEqual([{ type: 'run-ended', runId: 'r', status: 'ok', error: null }]);
  });

  test('a run-live message is acknowledged once the listeners have taken it; run-ended is not', () => {
    const { socket, ws } = transport();
    socket.onopen!();
    const order: string[] = [];
    ws.onLiveEvent((event) => order.push(`${event.type} seen, ${socket.sent.length} sent`));
    socket.serverSays({ type: 'event', event: { type: 'run-live', runId: 'r', seq: 3, progress: null, batches: [] } });
    socket.serverSays({ type: 'event', event: { type: 'run-ended', runId: 'r', status: 'ok', error: null } });
    expect(order).toEqual(['run-live seen, 0 sent', 'run-ended seen, 1 sent']);
    expect(socket.sent).toEqual([{ type: 'live-ack', runId: 'r', seq: 3 }]);
  });

  test('a lost connection fails pending calls at once', async () => {
    const { socket, ws } = transport();
    socket.onopen!();
    const pending = ws.request('lessons.list', {});
    socket.onclose!();
    await expect(pending).rejects.toBeInstanceOf(RemoteError);
    expect(ws.connection()).toBe('connecting');
  });

  test('the client checks parameters before anything is sent', async () => {
    const { socket, ws } = transport();
    socket.onopen!();
    const client = createLabClient(ws);
    await expect(client.call('history.get', { runId: '../etc' })).rejects.toMatchObject({ code: 'bad-request', message: expect.stringContaining('runId') });
    expect(socket.sent).toEqual([]);
  });
});

describe('i18n and helpers', () => {
  test('English and Chinese have the same keys', () => {
    const keys = (messages: object, prefix = ''): string[] =>
      Object.entries(messages).flatMap(([key, value]) => (typeof value === 'string' ? [`${prefix}${key}`] : keys(value as object, `${prefix}${key}.`)));
    expect(keys(zhCN).sort()).toEqual(keys(en).sort());
  });

  test("the system language picks Chinese for any zh locale", () => {
    expect(resolveLocale('system', ['zh-TW', 'en'])).toBe('zh-CN');
    expect(resolveLocale('system', ['de-DE'])).toBe('en');
    expect(resolveLocale('en', ['zh-CN'])).toBe('en');
  });

  test('base64 round-trips binary bytes', () => {
    const bytes = new Uint8Array(100_000).map((_, index) => (index * 7) % 256);
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
  });
});

describe('errorMessage', () => {
  test("a refused spec's issues read in the page's language, its path and values as they are", () => {
    const error = new RemoteError({
      name: 'LabError',
      code: 'bad-input',
      message: 'the spec is not valid (1 problem):\n  - actors[0].kind: not an accepted value; expected one of thread, task; got "thred" (sweep point n=2)',
      issues: [{ path: 'actors[0].kind', message: 'not an accepted value (sweep point n=2)', received: '"thred"', expected: 'one of thread, task', zh: { message: '不是可接受的值（扫描点 n=2）', expected: '以下之一：thread、task' } }],
    });
    document.documentElement.lang = 'zh-CN';
    expect(errorMessage(error)).toBe('实验规格无效（1 个问题）：\n  - actors[0].kind: 不是可接受的值（扫描点 n=2）；应为 以下之一：thread、task；实际为 "thred"');
    document.documentElement.lang = 'en';
    expect(errorMessage(error)).toBe('the spec is not valid (1 problem):\n  - actors[0].kind: not an accepted value (sweep point n=2); expected one of thread, task; got "thred"');
    expect(errorMessage(new RemoteError({ name: 'LabError', code: 'not-found', message: 'no run abc' }))).toBe('no run abc');
  });
});
