// What a test started, found in /proc by a marker: every process whose environment carries
// CONLAB_TEST_MARK=<mark> (children inherit the environment, so the runner, its watchdog, its actors
// and the actors' OS children all carry it; an exec'd `sleep` too).
import { readdirSync, readFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { readProcStat } from '../../src-main/engine/procfs';
import { setTimeout as sleep } from 'node:timers/promises';

export const MARK_VARIABLE = 'CONLAB_TEST_MARK';
export const repoRoot = join(import.meta.dirname, '..', '..');
export const conlabBin = join(repoRoot, 'bin', 'conlab.mjs');

export interface MarkedProcess {
  readonly pid: number;
  readonly cmdline: string;
  /** R, S, D, Z, ... */
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

/** Live (not zombie) processes carrying the marker. */
export function markedProcesses(mark: string): MarkedProcess[] {
  const needle = `\0${MARK_VARIABLE}=${mark}\0`;
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = read(`/proc/${entry}/environ`);
    if (environ === null || !`\0${environ}`.includes(needle)) continue;
    const stat = readProcStat(Number(entry));
    if (stat === null || stat.state === 'Z' || stat.state === 'X') continue;
    found.push({
      pid: Number(entry),
      cmdline: (read(`/proc/${entry}/cmdline`) ?? '').split('\0').join(' ').trim(),
      state: stat.state,
      ppid: stat.ppid,
      pgid: stat.pgid,
    });
  }
  return found;
}

const FUTEX_SYSCALL: Readonly<Record<string, number>> = { x64: 202, arm64: 98, ia32: 240, arm: 240 };

/** Whether the process's main thread sleeps in a futex wait (Atomics.wait), not in its event loop (epoll). */
export function blockedInFutex(pid: number): boolean {
  const wchan = read(`/proc/${pid}/wchan`);
  if (wchan && /futex/.test(wchan)) return true;
  const syscall = read(`/proc/${pid}/syscall`);
  const futex = FUTEX_SYSCALL[arch()];
  return syscall !== null && futex !== undefined && Number(syscall.split(' ')[0]) === futex;
}

export function listProcesses(processes: readonly MarkedProcess[]): string {
  return processes.map((p) => `${p.pid} [${p.state}] ${p.cmdline.slice(0, 100)}`).join('; ') || 'none';
}

/** Polls until `probe` returns a value (not null), or throws after `timeoutMs` naming what it waited for. */
export async function until<T>(what: string, probe: () => T | null, timeoutMs: number, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Leaves nothing behind: SIGKILL every marked process still alive. */
export function killMarked(mark: string): void {
  for (const p of markedProcesses(mark)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** A spec whose trial runs until killed: two process actors blocked in Atomics.wait, one that started OS children and blocks, a blocked thread. */
export const blockedTreeSpec = {
  version: 1,
  actors: [
    { name: 'blocker', kind: 'process', count: 2, program: [{ op: 'block', ms: 600_000 }] },
    {
      name: 'parent',
      kind: 'process',
      program: [
        { op: 'os_child', mode: 'sleep', ms: 1_000_000, into: 'first' },
        { op: 'os_child', mode: 'sleep', ms: 1_000_000, into: 'second' },
        { op: 'block', ms: 600_000 },
      ],
    },
    { name: 'spinner', kind: 'thread', program: [{ op: 'block', ms: 600_000 }] },
  ],
};

export interface TreeCensus {
  readonly actors: readonly MarkedProcess[];
  readonly sleepers: readonly MarkedProcess[];
  readonly watchdogs: readonly MarkedProcess[];
}

/** The marked tree once it is fully up: 3 process actors all blocked in a futex wait, 2 OS sleepers, 1 watchdog; else null. */
export function fullTree(mark: string): TreeCensus | null {
  const all = markedProcesses(mark);
  const actors = all.filter((p) => p.cmdline.includes('actor-process.mjs'));
  const sleepers = all.filter((p) => /^sleep\b/.test(p.cmdline));
  const watchdogs = all.filter((p) => p.cmdline.includes('conlab group watchdog'));
  if (actors.length !== 3 || sleepers.length !== 2 || watchdogs.length !== 1) return null;
  if (!actors.every((p) => blockedInFutex(p.pid))) return null;
  return { actors, sleepers, watchdogs };
}
