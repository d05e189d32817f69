// Finding a run's processes from outside: every process of a runner's tree inherits an environment
// marker, and a test adds one of its own to the CLI it starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProcStat } from '../../src-main/engine/procfs';
import { isAlive, pollUntil } from '../engine/helpers/procfs';

export const CLI = join(__dirname, '..', '..', 'bin', 'conlab.mjs');

/** Live (not zombie) processes whose environment holds `marker` ("NAME=value"). */
export function markedProcesses(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(marker) && isAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return found;
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** CPU time (user + system) a process has used, in ms; null once it is gone. */
export function cpuMs(pid: number): number | null {
  return readProcStat(pid)?.cpuMs ?? null;
}

/** The runner process among the marked ones. */
export function runnerAmong(pids: readonly number[]): number | null {
  return pids.find((pid) => cmdline(pid).includes('out/engine/runner.mjs')) ?? null;
}

/** Waits until a runner carrying `marker` has spent `busyMs` of CPU (its task is inside its compute); returns its pid. */
export async function busyRunner(marker: string, busyMs: number, timeoutMs = 30_000): Promise<number> {
  let runner: number | null = null;
  const ok = await pollUntil(() => {
    runner ??= runnerAmong(markedProcesses(marker));
    return runner !== null && (cpuMs(runner) ?? 0) >= busyMs;
  }, timeoutMs);
  if (!ok || runner === null) throw new Error(`no runner with ${marker} became busy within ${timeoutMs} ms`);
  return runner;
}

export interface CliRun {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  output(): string;
}

export function startCli(args: readonly string[], marker: string): CliRun {
  const eq = marker.indexOf('=');
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, [marker.slice(0, eq)]: marker.slice(eq + 1) },
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  return { child, exited, output: () => out };
}

/** Waits (bounded) until no process carries `marker`; returns those still alive. */
export async function leftAfter(marker: string, timeoutMs = 3_000): Promise<number[]> {
  await pollUntil(() => markedProcesses(marker).length === 0, timeoutMs);
  return markedProcesses(marker);
}
