// The load generator against real servers: counts are exact (sent = answered + errors), open loops
// keep their schedule, errors are classified, a stop ends the run, and a load that cannot fit
// under the descriptor limit is refused before anything starts.
import { describe, expect, test } from 'vitest';
import { NetError } from '../../src-main/net/errors';
import { readDescriptorLimit } from '../../src-main/net/load/descriptors';
import { runLoad, startLoad, type LoadProgress, type LoadReport } from '../../src-main/net/load/load-generator';
import { startServer } from '../../src-main/net/server';
import { findWrk, runWrk } from '../../src-main/bench/groups/network';

function expectExact(report: LoadReport): void {
  expect(report.sent).toBe(report.answered + report.errors);
  expect(Object.values(report.errorsByKind).reduce((a, b) => a + b, 0)).toBe(report.errors);
}

describe('closed loop', () => {
  test('R requests over C connections and K threads: exactly R sent, R answered, R counted by the server', async () => {
    const server = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' }, framing: { kind: 'none' } });
    const progress: LoadProgress[] = [];
    const report = await runLoad({ port: server.address.port, connections: 13, requests: 2_003, threads: 3, messageBytes: 64, progressIntervalMs: 20 }, { onProgress: (p) => progress.push(p) });
    expectExact(report);
    expect(report).toMatchObject({ exit: 'completed', error: null, sent: 2_003, answered: 2_003, errors: 0, notSent: 0, primed: 13, threads: 3 });
    expect(report.connections).toMatchObject({ requested: 13, opened: 13, failed: 0 });
    expect(report.bytesOut).toBe(2_003 * 64);
    expect(report.bytesIn).toBe(2_003 * 64);
    expect(report.latencyMs?.count).toBe(2_003);
    expect(report.latencyMs!.p50).toBeLessThanOrEqual(report.latencyMs!.p99);
    expect(report.latencyMs!.p99).toBeLessThanOrEqual(report.latencyMs!.max);
    expect(report.generatorCpu?.perThreadMs).toHaveLength(3);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', sent: 2_003, answered: 2_003 });
    const metrics = (await server.stop()).metrics;
    expect(metrics.requests).toBe(2_003 + 13);
    // One request in flight per connection: every read on the server is one whole request.
    expect(metrics.connectionsAccepted).toBe(13);
    expect(metrics.bytesIn).toBe((2_003 + 13) * 64);
  });

  test('HTTP: keep-alive requests against the hello server', async () => {
    const server = await startServer({ protocol: 'http', model: 'worker-pool', handler: { kind: 'hello' } });
    const report = await runLoad({ protocol: 'http', port: server.address.port, connections: 4, requests: 400, messageBytes: 0 });
    expectExact(report);
    expect(report).toMatchObject({ exit: 'completed', sent: 400, answered: 400, errors: 0 });
    expect((await server.stop()).metrics.requests).toBe(400 + 4);
  });

  test('UDP: datagrams matched by sequence number', async () => {
    const server = await startServer({ protocol: 'udp', model: 'event-loop', handler: { kind: 'upper' } });
    const report = await runLoad({ protocol: 'udp', port: server.address.port, connections: 8, requests: 800, messageBytes: 32 });
    expectExact(report);
    expect(report).toMatchObject({ exit: 'completed', sent: 800, answered: 800 });
    await server.stop();
  });

  test('answers slower than the timeout are errors, counted and classified', async () => {
    const server = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'delay', ms: 400 } });
    const report = await runLoad({ port: server.address.port, connections: 3, requests: 9, timeoutMs: 100, prime: false });
    expectExact(report);
    // Each connection's first request times out, and the connection is closed with it.
    expect(report).toMatchObject({ sent: 3, answered: 0, errors: 3, notSent: 6 });
    expect(report.errorsByKind.timeout).toBe(3);
    await server.stop({ graceMs: 100 });
  });
});

describe('open loop', () => {
  test('keeps its schedule exactly: C × rate × D requests, latency from the scheduled time', async () => {
    const server = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } });
    const report = await runLoad({ port: server.address.port, connections: 20, durationMs: 500, mode: { kind: 'open', ratePerConnection: 40 } });
    expectExact(report);
    expect(report).toMatchObject({ exit: 'completed', sent: 20 * 40 * 0.5, answered: 20 * 40 * 0.5, latencyFrom: 'schedule' });
    await server.stop();
  });

  test('a stalled server shows as latency from the schedule, not as fewer requests (no coordinated omission)', async () => {
    // Blocking 50 ms per request on the server's one thread: 20 requests/s at most, while the schedule asks 40.
    // Length-prefixed, so that requests queued behind the stall are still served one by one.
    const server = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'delay', ms: 50, blocking: true }, framing: { kind: 'length-prefix' } });
    const report = await runLoad({ port: server.address.port, connections: 2, durationMs: 500, mode: { kind: 'open', ratePerConnection: 20 }, timeoutMs: 5_000, prime: false, framing: 'length-prefix' });
    expectExact(report);
    expect(report.sent).toBe(20);
    expect(report.answered).toBe(20);
    // The last request was scheduled ≈ 475 ms in but could only be served after ≈ 20 × 50 ms.
    expect(report.latencyMs!.max).toBeGreaterThan(400);
    await server.stop();
  });
});

describe('what the report measures', () => {
  test('open loop: latency from the schedule and from the send, side by side, the first never below the second', async () => {
    // One thread blocked 40 ms per request, asked for 50 requests/s: requests queue behind each other.
    const server = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'delay', ms: 40, blocking: true }, framing: { kind: 'length-prefix' } });
    const report = await runLoad({ port: server.address.port, connections: 1, durationMs: 400, mode: { kind: 'open', ratePerConnection: 50 }, timeoutMs: 5_000, framing: 'length-prefix' });
    expectExact(report);
    expect(report.answered).toBe(20);
    const scheduled = report.latencyFromScheduleMs!;
    const sent = report.latencyFromSendMs!;
    expect(scheduled.count).toBe(20);
    expect(sent.count).toBe(20);
    // The generator sent each request on time, so the two differ only by how late it sent; the queue
    // behind the server is in both, and from the schedule is never less than from the send.
    expect(scheduled.max).toBeGreaterThanOrEqual(sent.max);
    expect(scheduled.max).toBeGreaterThan(20 * 40 - 400);
    expect(report.latencyMs).toEqual(scheduled);
    await server.stop();
  });

  test('closed loop: the two latencies are the same; the generator\'s CPU is reported per thread', async () => {
    const server = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } });
    const report = await runLoad({ port: server.address.port, connections: 4, requests: 400, threads: 2 });
    expect(report.latencyFromSendMs).toEqual(report.latencyFromScheduleMs);
    expect(report.generatorCpu?.perThreadMs).toHaveLength(2);
    await server.stop();
  });

  test('HTTP GET and POST: the server sees the method asked for', async () => {
    const server = await startServer({ protocol: 'http', model: 'event-loop', handler: { kind: 'echo' } });
    const get = await runLoad({ protocol: 'http', port: server.address.port, connections: 2, requests: 50, messageBytes: 0, httpPath: '/probe' });
    const post = await runLoad({ protocol: 'http', port: server.address.port, connections: 2, requests: 50, messageBytes: 32, httpMethod: 'POST' });
    const before = (await server.metrics()).bytesIn;
    const explicitGet = await runLoad({ protocol: 'http', port: server.address.port, connections: 1, requests: 10, messageBytes: 32, httpMethod: 'GET', prime: false });
    const getBytes = (await server.metrics()).bytesIn - before;
    for (const report of [get, post, explicitGet]) expect(report).toMatchObject({ exit: 'completed', errors: 0 });
    // The echo handler answers a GET with its target and a POST with its body.
    expect(get.bytesIn / get.answered).toBeLessThan(post.bytesIn / post.answered);
    // A GET carries no body, whatever messageBytes says.
    expect(getBytes).toBe(10 * Buffer.byteLength(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.address.port}\r\n\r\n`));
    expect(() => startLoad({ protocol: 'http', port: server.address.port, connections: 1, requests: 1, messageBytes: 0, httpMethod: 'POST' })).toThrow(/load\.httpMethod: POST sends a body/);
    expect(() => startLoad({ protocol: 'tcp', port: server.address.port, connections: 1, requests: 1, httpMethod: 'GET' })).toThrow(/load\.httpMethod: applies to HTTP/);
    await server.stop();
  });

  test('prime: false measures each connection\'s set-up: a process started per connection shows in the first answers', async () => {
    const server = await startServer({ protocol: 'http', model: 'process-per-connection', handler: { kind: 'hello' } });
    const primed = await runLoad({ protocol: 'http', port: server.address.port, connections: 3, requests: 30, messageBytes: 0 });
    const unprimed = await runLoad({ protocol: 'http', port: server.address.port, connections: 3, requests: 30, messageBytes: 0, prime: false });
    await server.stop();
    for (const report of [primed, unprimed]) expectExact(report);
    expect(primed).toMatchObject({ primedConnections: true, primed: 3, answered: 30 });
    expect(unprimed).toMatchObject({ primedConnections: false, primed: 0, answered: 30 });
    // Both say what a connection's set-up cost: connect, then the first answer (a forked process in between).
    for (const report of [primed, unprimed]) {
      expect(report.setup.connectMs?.count).toBe(3);
      expect(report.setup.firstAnswerMs?.count).toBe(3);
      expect(report.setup.firstAnswerMs!.max).toBeGreaterThanOrEqual(report.setup.connectMs!.p50);
      expect(report.setup.allAnsweredAfterMs).toBeGreaterThan(0);
    }
    // Unprimed, a connection's first request is scheduled at 'go', before its connect: its set-up is in the measured latency.
    expect(unprimed.latencyMs!.max).toBeGreaterThanOrEqual(unprimed.setup.firstAnswerMs!.max * 0.99);
    expect(unprimed.latencyMs!.max).toBeGreaterThan(primed.latencyMs!.p50);
  });
});

const wrk = findWrk();

describe.skipIf(!wrk)("wrk, the reference load tool, against the lab's HTTP servers", () => {
  test('a short wrk load: every answer a 200 on a kept-alive connection, every request counted by the server', async () => {
    for (const model of ['event-loop', 'worker-pool'] as const) {
      const server = await startServer({ protocol: 'http', model, handler: { kind: 'hello' } });
      const result = await runWrk(wrk!, `http://127.0.0.1:${server.address.port}/`, 4, 1, 1);
      const metrics = (await server.stop()).metrics;
      expect({ model, errors: result.errors }).toEqual({ model, errors: 0 });
      expect(result.requests).toBeGreaterThan(0);
      // wrk counts completed requests; the server may have answered a few more that wrk cut off at the end.
      expect(metrics.requests).toBeGreaterThanOrEqual(result.requests);
      // wrk's 4 connections, and the one it may open first to check the address.
      expect(metrics.connectionsAccepted).toBeGreaterThanOrEqual(4);
    }
  });
});

describe('ending and refusing', () => {
  test('stop() mid-run ends it, exactly counted', async () => {
    const server = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } });
    let halfway!: () => void;
    const busy = new Promise<void>((resolve) => (halfway = resolve));
    const run = startLoad({ port: server.address.port, connections: 10, durationMs: 60_000, progressIntervalMs: 20 }, { onProgress: (p) => p.answered > 500 && halfway() });
    await busy;
    const report = await run.stop();
    expectExact(report);
    expect(report.exit).toBe('stopped');
    expect(report.answered).toBeGreaterThan(500);
    expect(report.durationS).toBeLessThan(30);
    const again = await run.stop();
    expect(again).toBe(report);
    await server.stop();
  });

  test('nothing listening: the run fails and says why, with the system message', async () => {
    const server = await startServer({ protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } });
    const port = server.address.port;
    await server.stop();
    const report = await runLoad({ port, connections: 3, requests: 3 });
    expect(report).toMatchObject({ exit: 'failed', sent: 0, answered: 0, errors: 0 });
    expect(report.connections.failures.refused).toBe(3);
    expect(report.error).toMatch(/no connection could be opened \(3 refused: connect ECONNREFUSED/);
  });

  test('more connections than the open-file limit allows are refused before anything starts', () => {
    const limit = readDescriptorLimit();
    if (limit.soft === null) return; // no /proc: nothing to check against
    const tooMany = Math.min(50_000, limit.soft + 1);
    if (tooMany <= limit.soft) return; // a limit above 50,000 cannot be exceeded here
    let thrown: unknown;
    try {
      startLoad({ port: 9, connections: tooMany, requests: 1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NetError);
    expect((thrown as NetError).code).toBe('descriptor-limit');
    expect((thrown as NetError).message).toContain(`open-file limit (ulimit -n, RLIMIT_NOFILE) is ${limit.soft}`);
  });
});
