// Pure pieces of the network lab: framing, HTTP parsing, the IVR dialogue, config checks, the
// descriptor budget. No sockets here.
import { describe, expect, test } from 'vitest';
import { resolveServerConfig, ServerConfigError } from '../../src-main/model/server-config';
import { encodeFrame, FrameDecoder } from '../../src-main/net/framing';
import { upperAscii } from '../../src-main/net/handlers';
import { HttpRequestParser, HttpResponseParser, httpResponse } from '../../src-main/net/http-codec';
import { IVR_TEXT, IvrDialogue } from '../../src-main/net/ivr';
import { checkDescriptorBudget, parseProcLimits } from '../../src-main/net/load/descriptors';
import { FastHttpResponseReader } from '../../src-main/net/load/http-responses';
import { createStreamSession } from '../../src-main/net/session';
import { resolveLoadConfig } from '../../src-main/net/load/load-config';
import { NetError } from '../../src-main/net/errors';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const texts = (messages: Buffer[]): string[] => messages.map((m) => m.toString('utf8'));

describe('framing', () => {
  test('delimiter: several messages in one chunk, one message across chunks', () => {
    const decoder = new FrameDecoder({ kind: 'delimiter' });
    expect(texts(decoder.push(bytes('one\ntwo\nthr')))).toEqual(['one', 'two']);
    expect(texts(decoder.push(bytes('ee')))).toEqual([]);
    expect(texts(decoder.push(bytes('\n')))).toEqual(['three']);
    expect(decoder.buffered).toBe(0);
  });

  test('delimiter: a multi-byte delimiter split between chunks', () => {
    const decoder = new FrameDecoder({ kind: 'delimiter', delimiter: '\r\n' });
    expect(texts(decoder.push(bytes('a\r')))).toEqual([]);
    expect(texts(decoder.push(bytes('\nb\r\n')))).toEqual(['a', 'b']);
  });

  test('length-prefix survives being fed one byte at a time', () => {
    const stream = Buffer.concat([...encodeFrame({ kind: 'length-prefix' }, bytes('héllo')), ...encodeFrame({ kind: 'length-prefix' }, bytes('')), ...encodeFrame({ kind: 'length-prefix' }, bytes('x'))]);
    const decoder = new FrameDecoder({ kind: 'length-prefix' });
    const out: string[] = [];
    for (const byte of stream) out.push(...texts(decoder.push(Buffer.from([byte]))));
    expect(out).toEqual(['héllo', '', 'x']);
  });

  test('a message that contains its own delimiter is refused, naming the delimiter', () => {
    expect(() => encodeFrame({ kind: 'delimiter', delimiter: '|' }, bytes('a|b'))).toThrow(/contains its own delimiter "\|"/);
  });

  test('upper-casing keeps UTF-8 text intact', () => {
    expect(upperAscii(bytes('abc 你好 xyz')).toString('utf8')).toBe('ABC 你好 XYZ');
  });
});

describe('http codec', () => {
  test('pipelined requests, split anywhere, with and without bodies', () => {
    const parser = new HttpRequestParser();
    const raw = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /c HTTP/1.0\r\n\r\n';
    const requests = [];
    for (let i = 0; i < raw.length; i += 7) requests.push(...parser.push(Buffer.from(raw.slice(i, i + 7), 'latin1')));
    expect(requests.map((r) => [r.method, r.target, r.body.toString(), r.keepAlive])).toEqual([
      ['GET', '/a', '', true],
      ['POST', '/b', 'hello', true],
      ['GET', '/c', '', false],
    ]);
  });

  test('a malformed request line is a 400, a chunked body a 501', () => {
    expect(() => new HttpRequestParser().push(bytes('HELLO\r\n\r\n'))).toThrow(expect.objectContaining({ status: 400 }) as Error);
    expect(() => new HttpRequestParser().push(bytes('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'))).toThrow(expect.objectContaining({ status: 501 }) as Error);
  });

  test('heads that are not HTTP/1.x are refused as their bytes arrive, not when a head end comes', () => {
    const status = (...chunks: string[]): number | null => {
      const parser = new HttpRequestParser();
      try {
        for (const chunk of chunks) parser.push(Buffer.from(chunk, 'latin1'));
        return null;
      } catch (error) {
        return (error as { status: number }).status;
      }
    };
    expect(status('\x16\x03\x01')).toBe(400); // a TLS hello, no line end ever
    expect(status('GET / HTTP/1.1\nHo')).toBe(400); // bare LF
    expect(status('GET / HTTP/1.1\r', 'Host: x')).toBe(400); // a CR without its LF, across chunks
    expect(status('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')).toBe(505);
    expect(status('GET / HTTP/3.0\r\nHost: x\r\n\r\n')).toBe(505);
    expect(status('GET / HTTP/1.1\r\n\r\n')).toBe(400); // no Host
    expect(status('GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n')).toBe(400);
    expect(status('GET / HTTP/1.1\r\nHost : x\r\n\r\n')).toBe(400);
    expect(status('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n')).toBe(400);
    expect(status('BREW / HTTP/1.1\r\nHost: x\r\n\r\n')).toBe(501);
    expect(status('GET / HTTP/1.1\r\nHost: x\r', '\n\r\n')).toBe(null); // split anywhere, still fine
    expect(status('\r\nGET / HTTP/1.2\r\nHost: x\r\n\r\n')).toBe(null); // a leading empty line, a later 1.x minor
  });

  test('HEAD answers declare the length and carry no body; Date and Connection follow the version', () => {
    const body = bytes('hello');
    const head = httpResponse(200, body, { keepAlive: true, headOnly: true }).toString('latin1');
    expect(head).toMatch(/\r\nContent-Length: 5\r\n\r\n$/);
    expect(head).toMatch(/\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
    expect(head).not.toContain('Connection:');
    expect(httpResponse(200, body, { keepAlive: true, version: '1.0' }).toString('latin1')).toContain('\r\nConnection: keep-alive\r\n');
    expect(httpResponse(200, body, { keepAlive: false, version: '1.1' }).toString('latin1')).toContain('\r\nConnection: close\r\n');
  });

  test('responses declare their charset and length; the response parser cuts them apart', () => {
    const body = bytes('你好');
    const response = httpResponse(200, body, { keepAlive: true });
    expect(response.toString('latin1')).toContain('Content-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n');
    const parser = new HttpResponseParser();
    const both = Buffer.concat([response, response]);
    const got = [...parser.push(both.subarray(0, 10)), ...parser.push(both.subarray(10))];
    expect(got.map((r) => [r.head.status, r.body.toString('utf8')])).toEqual([
      [200, '你好'],
      [200, '你好'],
    ]);
  });
});

describe('the HTTP session\'s head timeout', () => {
  const until = async (condition: () => boolean): Promise<void> => {
    const deadline = Date.now() + 5_000;
    while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const sinkLog = () => {
    const out: string[] = [];
    let ended = false;
    return { out, ended: () => ended, sink: { write: (data: Buffer) => void out.push(data.toString('latin1')), end: () => void (ended = true), refused: () => {} } };
  };

  test('a slow answer is not cut by the timer; an idle kept connection is then closed without a 408; a partial head gets one', async () => {
    const slow = createStreamSession({ protocol: 'http', handler: { kind: 'delay', ms: 150 }, framing: { kind: 'none' }, headTimeoutMs: 40 });
    const a = sinkLog();
    slow.open(a.sink);
    await slow.receive(Buffer.from('GET /x HTTP/1.1\r\nHost: h\r\n\r\n'), a.sink);
    expect(a.out).toHaveLength(1);
    expect(a.out[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    await until(a.ended);
    expect(a.ended()).toBe(true);
    expect(a.out).toHaveLength(1); // idle after an answer: closed, no 408

    const partial = createStreamSession({ protocol: 'http', handler: { kind: 'hello' }, framing: { kind: 'none' }, headTimeoutMs: 40 });
    const b = sinkLog();
    partial.open(b.sink);
    partial.receive(Buffer.from('GET / HTTP/1.1\r\nHo'), b.sink);
    await until(b.ended);
    expect(b.out.map((text) => text.slice(0, 12))).toEqual(['HTTP/1.1 408']);
    partial.close?.();
  });
});

describe("the load generator's response reader", () => {
  test('cuts responses split anywhere, skips 100 Continue, reads any spelling of Content-Length', () => {
    const stream = Buffer.concat([
      httpResponse(200, bytes('你好'), { keepAlive: true }),
      Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'),
      Buffer.from('HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\nabc'),
      Buffer.from('HTTP/1.1 201 Created\r\nCONTENT-LENGTH:  0\r\n\r\n'),
      httpResponse(200, Buffer.alloc(5000, 0x61), { keepAlive: true }),
    ]);
    for (const step of [1, 7, 64, stream.length]) {
      const reader = new FastHttpResponseReader();
      const statuses: number[] = [];
      for (let i = 0; i < stream.length; i += step) statuses.push(...reader.push(stream.subarray(i, i + step))!);
      expect(statuses).toEqual([200, 404, 201, 200]);
    }
  });

  test('what is not an HTTP/1.x response with a length is refused (null)', () => {
    expect(new FastHttpResponseReader().push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toBeNull();
    expect(new FastHttpResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody'))).toBeNull();
    expect(new FastHttpResponseReader().push(Buffer.from('HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n'))).toBeNull();
    expect(new FastHttpResponseReader().push(Buffer.alloc(17 * 1024, 0x41))).toBeNull();
  });
});

describe('the 10086 dialogue', () => {
  test('menu, retry, a person, notes, exit: in Chinese', () => {
    const ivr = new IvrDialogue('zh');
    const zh = IVR_TEXT.zh;
    const transcript = [ivr.greeting(), ...['9', '', '0', '话费查询', 'EXIT', 'anything'].map((line) => ivr.answer(line).replies)];
    expect(transcript).toEqual([[zh.welcome], [zh.retry], [zh.retry], [zh.connecting, zh.agentHello], [zh.agentNoted('话费查询')], [zh.goodbye], []]);
    expect(ivr.state).toBe('ended');
  });

  test('exit from the menu hangs up at once: in English', () => {
    const ivr = new IvrDialogue('en');
    expect(ivr.answer(' exit ')).toEqual({ replies: [IVR_TEXT.en.goodbye], hangUp: true });
  });
});

describe('config checks name the field and what was expected', () => {
  test('per-connection models need connections', () => {
    expect(() => resolveServerConfig({ protocol: 'udp', model: 'thread-per-connection', handler: { kind: 'echo' } })).toThrow(
      /server\.model: thread-per-connection needs connections, and udp has none; expected one of event-loop, blocking-serial, worker-pool, cluster/,
    );
  });

  test('hello is HTTP; ivr is TCP', () => {
    expect(() => resolveServerConfig({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'hello' } })).toThrow(/use protocol http/);
    expect(() => resolveServerConfig({ protocol: 'http', model: 'event-loop', handler: { kind: 'ivr' } })).toThrow(/use protocol tcp/);
  });

  test('an unknown model is refused with the field path', () => {
    expect(() => resolveServerConfig({ protocol: 'tcp', model: 'fork-bomb', handler: { kind: 'echo' } })).toThrow(ServerConfigError);
    expect(() => resolveServerConfig({ protocol: 'tcp', model: 'fork-bomb', handler: { kind: 'echo' } })).toThrow(/server\.model/);
  });

  test('only loopback hosts', () => {
    expect(() => resolveServerConfig({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' }, host: '0.0.0.0' })).toThrow(/server\.host/);
  });

  test('defaults: 127.0.0.1, port 0, no framing', () => {
    expect(resolveServerConfig({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } })).toMatchObject({ host: '127.0.0.1', port: 0, framing: { kind: 'none' }, workers: 2 });
  });

  test('the request head timeout: HTTP only, 0 to 600000 ms, 10 s by default', () => {
    expect(resolveServerConfig({ protocol: 'http', model: 'event-loop', handler: { kind: 'hello' } }).headTimeoutMs).toBe(10_000);
    expect(resolveServerConfig({ protocol: 'http', model: 'event-loop', handler: { kind: 'hello' }, headTimeoutMs: 0 }).headTimeoutMs).toBe(0);
    expect(resolveServerConfig({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } }).headTimeoutMs).toBe(0);
    expect(() => resolveServerConfig({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' }, headTimeoutMs: 500 })).toThrow(/server\.headTimeoutMs: .*HTTP servers only/);
    // A resolved config resolves again to itself (a child process resolves what its parent resolved).
    for (const input of [{ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } }, { protocol: 'http', model: 'cluster', handler: { kind: 'hello' } }] as const) {
      const resolved = resolveServerConfig(input);
      expect(resolveServerConfig(resolved)).toEqual(resolved);
    }
    expect(() => resolveServerConfig({ protocol: 'http', model: 'event-loop', handler: { kind: 'hello' }, headTimeoutMs: -1 })).toThrow(/server\.headTimeoutMs/);
    expect(() => resolveServerConfig({ protocol: 'http', model: 'event-loop', handler: { kind: 'hello' }, headTimeoutMs: 600_001 })).toThrow(/server\.headTimeoutMs/);
  });

  test('a load needs exactly one of duration and requests', () => {
    expect(() => resolveLoadConfig({ port: 1, connections: 1 })).toThrow(/exactly one of durationMs .* and requests/);
    expect(() => resolveLoadConfig({ port: 1, connections: 1, durationMs: 10, requests: 10 })).toThrow(/got both/);
  });
});

describe('descriptor budget', () => {
  test('reads the soft and hard limits from /proc/self/limits text', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 1048576              files\n';
    expect(parseProcLimits(text)).toEqual({ soft: 1024, hard: 1048576 });
  });

  test('10,000 connections under ulimit 1024 are refused with the numbers and the fix', () => {
    const check = checkDescriptorBudget(10_000, '10000 connections', { soft: 1024, hard: 1048576, open: 30 });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.reason).toContain('open-file limit (ulimit -n, RLIMIT_NOFILE) is 1024');
    expect(check.reason).toContain('Node cannot raise this limit itself');
    expect(check.reason).toContain('ulimit -n 10094');
    expect(check.reason).toContain('use at most 930');
  });

  test('a hard limit below the need says an administrator must raise it', () => {
    const check = checkDescriptorBudget(10_000, '10000 connections', { soft: 1024, hard: 4096, open: 30 });
    expect(!check.ok && check.reason).toMatch(/needs an administrator/);
  });

  test('what fits, fits', () => {
    expect(checkDescriptorBudget(900, 'x', { soft: 1024, hard: 1024, open: 30 }).ok).toBe(true);
    expect(checkDescriptorBudget(1e6, 'x', { soft: null, hard: null, open: null }).ok).toBe(true);
  });

  test('NetError carries a closed code', () => {
    expect(new NetError('port-in-use', 'x').code).toBe('port-in-use');
  });
});
