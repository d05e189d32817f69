// The load generator against real servers: counts are exact (sent = answered + errors), open loops
// keep their schedule, errors are classified, a stop ends the run, and a load that cannot fit
// under the descriptor limit is refused before anything starts.
import { describe, expect, test } from 'vitest';
import { NetError } from '../../src-main/net/errors';
import { readDescriptorLimit } from '../../src-main/net/load/descriptors';
import { runLoad, startLoad, type LoadProgress, type LoadReport } from '../../src-main/net/load/load-generator';
import { startServer } from '../../src-main/net/server';

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
