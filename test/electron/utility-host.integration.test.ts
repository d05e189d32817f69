import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readProcStat } from '../../src-main/engine/procfs';
import { descendantsOf, isProcessRunning, killProcessTree, processStartTime } from '../../src-main/app/process-tree';
import { memoryExceededReason, procResidentBytes, ResidentMemoryCap, type MemoryExceeded } from '../../src-main/app/resident-memory';

/**
 * What the utility-process host (src-main/app/utility-host.ts) relies on, tested with real processes
 * and without Electron: the tree kill for a process that has no group of its own, and the memory cap
 * measured from outside. Linux only: both read /proc.
 */

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The process group id, from /proc/<pid>/stat (the third field after the command name). */
function processGroupOf(pid: number): number | undefined {
  return readProcStat(pid)?.pgid;
}

const exitOf = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

/** A shell that starts a sleeping child and a shell with a sleeping child of its own: four processes, all in our process group. */
function startTree(): ChildProcess {
  return spawn('sh', ['-c', 'sleep 300 & sh -c "sleep 300 & wait" & wait'], { stdio: 'ignore' });
}

describe.skipIf(process.platform !== 'linux')('process tree kill (Linux: /proc)', () => {
  test('ends a process, its children and grandchildren, though none has a process group of its own', async () => {
    const root = startTree();
    const rootExit = exitOf(root);
    await until(() => descendantsOf(root.pid!).length >= 3, 'the tree to start');
    const tree = descendantsOf(root.pid!).map((entry) => entry.pid);
    expect(processGroupOf(root.pid!)).toBe(processGroupOf(process.pid));

    const killed = killProcessTree(root.pid!);
    expect(killed.sort()).toEqual([root.pid!, ...tree].sort());
    expect(await rootExit).toEqual({ code: null, signal: 'SIGKILL' });
    await until(() => tree.every((pid) => !isProcessRunning(pid)), 'every descendant to be gone');
  });

  test('remembered children that outlived their parent are ended too; a remembered pid now held by another process is left alone', async () => {
    const root = spawn('sh', ['-c', 'sleep 300 & sleep 300 & wait'], { stdio: 'ignore' });
    await until(() => descendantsOf(root.pid!).length >= 2, 'the children to start');
    const remembered = descendantsOf(root.pid!);
    // The parent dies alone: its children are re-parented, and no walk from it finds them any more.
    process.kill(root.pid!, 'SIGKILL');
    await exitOf(root);
    expect(remembered.every((entry) => isProcessRunning(entry.pid))).toBe(true);

    const bystander = spawn('sleep', ['300'], { stdio: 'ignore' });
    await until(() => processStartTime(bystander.pid!) !== null, 'the bystander to start');
    const staleEntry = { pid: bystander.pid!, start: `${processStartTime(bystander.pid!)}0` };
    try {
      const killed = killProcessTree(null, [...remembered, staleEntry]);
      expect(killed.sort()).toEqual(remembered.map((entry) => entry.pid).sort());
      await until(() => remembered.every((entry) => !isProcessRunning(entry.pid)), 'the remembered children to be gone');
      expect(isProcessRunning(bystander.pid!)).toBe(true);
    } finally {
      bystander.kill('SIGKILL');
    }
  });
});

/** A Node child that reports ready, then holds more and more memory when told to grow. */
const GROWER = `
const held = [];
process.on('message', (message) => {
  if (message !== 'grow') return;
  const timer = setInterval(() => {
    const block = Buffer.alloc(16 * 1024 * 1024, 1);
    held.push(block);
    if (held.length > 40) clearInterval(timer);
  }, 20);
});
process.send('ready');
setInterval(() => {}, 1000);
`;

let growerFile = '';
beforeAll(() => {
  growerDir = mkdtempSync(join(tmpdir(), 'conlab-grower-'));
  growerFile = join(growerDir, 'grower.cjs');
  writeFileSync(growerFile, GROWER);
});
afterAll(() => {
  if (growerDir) rmSync(growerDir, { recursive: true, force: true });
});
let growerDir = '';

/** Starts the grower and resolves once it is ready (bounded). */
async function startGrower(): Promise<{ child: ChildProcess; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }> {
  const child = fork(growerFile, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const exit = exitOf(child);
  let ready = false;
  child.once('message', () => (ready = true));
  await until(() => ready, 'the grower to be ready');
  return { child, exit };
}

describe.skipIf(process.platform !== 'linux')('the memory cap of utility actors, measured from outside (Linux: /proc VmRSS)', () => {
  test('a process that grows past the cap above its baseline is reported once and its tree stopped, with a reason for the run', async () => {
    const { child, exit } = await startGrower();
    const verdicts: MemoryExceeded[] = [];
    const cap = new ResidentMemoryCap({
      pid: child.pid!,
      limitMb: 64,
      intervalMs: 25,
      read: procResidentBytes,
      onExceeded: (exceeded) => {
        verdicts.push(exceeded);
        killProcessTree(child.pid!);
      },
    });
    cap.arm();
    child.send('grow');
    expect(await exit).toEqual({ code: null, signal: 'SIGKILL' });
    cap.stop();
    expect(verdicts).toHaveLength(1);
    const [verdict] = verdicts;
    expect(verdict!.limitMb).toBe(64);
    expect(verdict!.aboveBaselineMb).toBeGreaterThan(64);
    // Stopped well before the child's 656 MB were all allocated.
    expect(verdict!.aboveBaselineMb).toBeLessThan(600);
    expect(memoryExceededReason('the utility process', verdict!)).toMatch(/^the utility process exceeded its memory limit \(64 MB\): \d+ MB resident, \d+ MB above the \d+ MB it used when its program started; it was stopped$/);
  });

  test('a process within its cap is sampled and left running; before arm() no verdict is possible', async () => {
    const { child, exit } = await startGrower();
    let samples = 0;
    const verdicts: MemoryExceeded[] = [];
    // A cap below what the idle runtime already uses: only the baseline keeps it from firing.
    const cap = new ResidentMemoryCap({ pid: child.pid!, limitMb: 16, intervalMs: 10, read: procResidentBytes, onSample: () => samples++, onExceeded: (exceeded) => verdicts.push(exceeded) });
    try {
      await until(() => samples >= 10, 'ten samples before arm()');
      expect(verdicts).toEqual([]);
      cap.arm();
      const armedAt = samples;
      await until(() => samples >= armedAt + 10, 'ten samples after arm()');
      expect(verdicts).toEqual([]);
      expect(isProcessRunning(child.pid!)).toBe(true);
    } finally {
      cap.stop();
      child.kill('SIGKILL');
      await exit;
    }
  });
});
