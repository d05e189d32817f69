import { execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { Connection } from '../../src-main/net/connection';
import { canBind, isAlive } from '../net/helpers';
import { liveChildrenOf } from '../engine/helpers/procfs';

/**
 * `conlab server` as an engineer uses it: spawned, its address parsed from the first line, real
 * clients pointed at it, then SIGINT: it reports how long the stop took (within 500 ms), prints a
 * summary, exits 0, and leaves the port free and no process behind.
 */

const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');
const run = promisify(execFile);
const curl = ['/usr/bin/curl', '/usr/local/bin/curl'].find((path) => existsSync(path)) ?? null;

interface Started {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startCommand(args: readonly string[]): Promise<Started> {
  const child = spawn(process.execPath, [bin, 'server', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const match = /listening on (?:\w+):\/\/(\[[^\]]+\]|[\d.]+):(\d+)/.exec(stdout);
    if (match) return { pid: child.pid!, host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]), output: () => stdout + stderr, exited };
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no address printed; got ${JSON.stringify(stdout + stderr)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function pollUntil(condition: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}

/** SIGINT, then: exit 0 within a bounded time, a stop the command measured under 500 ms, the port free, no child left. */
async function interruptAndCheck(started: Started, protocol: 'tcp' | 'udp', children: readonly number[]): Promise<string> {
  process.kill(started.pid, 'SIGINT');
  const exit = await Promise.race([started.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000))]);
  expect(exit).toEqual({ code: 0, signal: null });
  const text = started.output();
  const stopMs = Number(/stopped in (\d+) ms/.exec(text)?.[1]);
  expect(stopMs).toBeLessThan(500);
  expect(await pollUntil(() => canBind(started.port, started.host, protocol), 2_000)).toBe(true);
  expect(await pollUntil(() => children.every((pid) => !isAlive(pid)), 2_000)).toBe(true);
  return text;
}

describe('conlab server', () => {
  test.skipIf(!curl)('http event-loop: the address at once, curl served, figures every second, Ctrl+C stops it with a summary', async () => {
    const started = await startCommand(['--protocol', 'http', '--model', 'event-loop', '--handler', 'hello']);
    const answer = await run(curl!, ['-sS', '--max-time', '5', `http://127.0.0.1:${started.port}/`, `http://127.0.0.1:${started.port}/`]);
    expect(answer.stdout).toContain('Hello from Concurrency Lab!');
    // Figures come every second (a line each when stdout is not a terminal): wait for two, generously.
    expect(await pollUntil(() => (started.output().match(/^connections \d+ open/gm) ?? []).length >= 2, 10_000)).toBe(true);
    expect(started.output()).toMatch(/requests \d+ \(\d+\/s\) · server CPU \d+% of a core .* · threads 1 · processes 1/);
    const text = await interruptAndCheck(started, 'tcp', []);
    expect(text).toMatch(/requests\s+2 \(/);
    expect(text).toMatch(/connections\s+1 accepted/);
  });

  test('tcp process-per-connection with a client still connected: the stop ends the client and the child processes', async () => {
    const started = await startCommand(['--protocol', 'tcp', '--model', 'process-per-connection', '--handler', 'echo', '--framing', 'delimiter', '--host', '::1']);
    const connection = await Connection.connect({ host: '::1', port: started.port, framing: { kind: 'delimiter' } });
    await connection.sendMessage('ping');
    expect((await connection.recvMessage()).toString()).toBe('ping');
    const children = liveChildrenOf(started.pid).map((child) => child.pid);
    expect(children.length).toBeGreaterThanOrEqual(1);
    expect(await pollUntil(() => /processes 2/.test(started.output()), 10_000)).toBe(true);
    await interruptAndCheck(started, 'tcp', children);
    await connection.close({ graceMs: 100 });
  });

  test('udp worker-pool with settings from --set', async () => {
    const started = await startCommand(['--protocol', 'udp', '--model', 'worker-pool', '--handler', 'upper', '--set', 'workers=3']);
    const socket = dgram.createSocket('udp4');
    const reply = await new Promise<string>((resolve) => {
      socket.once('message', (message) => resolve(message.toString()));
      socket.send('abc', started.port, '127.0.0.1');
    });
    socket.close();
    expect(reply).toBe('ABC');
    await interruptAndCheck(started, 'udp', []);
  });

  test('bad input is refused with the field named and exit code 2', async () => {
    const attempt = async (...args: string[]): Promise<{ code: number; stderr: string }> => {
      try {
        await run(process.execPath, [bin, 'server', ...args]);
        return { code: 0, stderr: '' };
      } catch (error) {
        const e = error as { code: number; stderr: string };
        return { code: e.code, stderr: e.stderr };
      }
    };
    const wrongHandler = await attempt('--protocol', 'tcp', '--model', 'event-loop', '--handler', 'hello');
    expect(wrongHandler).toEqual({ code: 2, stderr: expect.stringMatching(/server\.handler\.kind: hello does not run over tcp/) as string });
    const badSet = await attempt('--protocol', 'http', '--model', 'event-loop', '--handler', 'delay', '--set', 'handler.ms=-5');
    expect(badSet).toEqual({ code: 2, stderr: expect.stringMatching(/server\.handler\.ms/) as string });
    const unknown = await attempt('--protocol', 'http', '--model', 'event-loop', '--handler', 'hello', '--set', 'speed=9');
    expect(unknown).toEqual({ code: 2, stderr: expect.stringMatching(/--set speed: not a server setting/) as string });
    const badModel = await attempt('--protocol', 'http', '--model', 'fork', '--handler', 'hello');
    expect(badModel.code).toBe(2);
    expect(badModel.stderr).toMatch(/--model/);
  });
});
