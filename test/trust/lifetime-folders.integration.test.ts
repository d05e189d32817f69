// Run folders of dead runners are removed by the next runner to start; a folder whose owner is alive
// never is (several runners share the default work root at once), nor anything that is not clearly a
// dead runner's folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import { OWNER_FILE, processStartTime } from '../../src-main/engine/runner/run-folders';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';

const root = mkdtempSync(join(tmpdir(), 'conlab-folders-'));
const workRoot = join(root, 'work');
/** A process that stays alive through the test: the owner of the folders that must stay. */
let liveOwner: ChildProcess;

function ownedFolder(name: string, owner: { pid: number; start: string | null } | string): string {
  const dir = join(workRoot, name);
  mkdirSync(join(dir, 'trial-0'), { recursive: true });
  writeFileSync(join(dir, 'trial-0', 'data.txt'), 'left by a trial');
  writeFileSync(join(dir, OWNER_FILE), typeof owner === 'string' ? owner : JSON.stringify(owner));
  return dir;
}

/** A pid and start time of a process that has exited (and was reaped). */
async function deadProcess(): Promise<{ pid: number; start: string }> {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const start = processStartTime(child.pid!);
  if (start === null) throw new Error('no /proc start time for a live child');
  child.kill('SIGKILL');
  await once(child, 'exit');
  return { pid: child.pid!, start };
}

beforeAll(async () => {
  liveOwner = spawn('sleep', ['300'], { stdio: 'ignore' });
  await once(liveOwner, 'spawn');
});
afterAll(() => {
  liveOwner.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const quickSpec: AuthoredSpec = { version: 1, actors: [{ name: 'one', kind: 'process', program: [{ op: 'file_write', path: 'out.txt', text: 'x' }] }] };

describe.runIf(existsSync('/proc/self/stat'))('stale run folders', () => {
  test('the next run removes folders of dead owners, keeps those of live ones, and removes its own at the end', async () => {
    const dead = await deadProcess();
    const deadOwned = ownedFolder('dead-owner', dead);
    // Same pid as a live process, but another start time: the pid was reused, the owner is dead.
    const reused = ownedFolder('reused-pid', { pid: liveOwner.pid!, start: String(Number(processStartTime(liveOwner.pid!)) - 1) });
    const liveOwned = ownedFolder('live-owner', { pid: liveOwner.pid!, start: processStartTime(liveOwner.pid!) });
    const selfOwned = ownedFolder('this-process', { pid: process.pid, start: processStartTime(process.pid) });
    // Not clearly a dead runner's: kept.
    const garbled = ownedFolder('garbled-owner', '{"pid": "nobody"}');
    const oversized = ownedFolder('oversized-owner', `{"pid": ${dead.pid}, "start": "${dead.start}", "pad": "${'x'.repeat(400)}"}`);
    const recentOwnerless = join(workRoot, 'no-owner-recent');
    mkdirSync(recentOwnerless, { recursive: true });
    const oldOwnerless = join(workRoot, 'no-owner-old');
    mkdirSync(oldOwnerless, { recursive: true });
    const longAgo = new Date(Date.now() - 30 * 24 * 3_600_000);
    utimesSync(oldOwnerless, longAgo, longAgo);
    const plainFile = join(workRoot, 'a-file');
    writeFileSync(plainFile, 'not a folder');
    // A link to a dead owner's folder elsewhere: the sweep never follows it.
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, OWNER_FILE), JSON.stringify(dead));
    symlinkSync(elsewhere, join(workRoot, 'link-out'));

    let ownerDuringRun: unknown = null;
    let runDir = '';
    const { run } = await runExperiment({
      spec: quickSpec,
      workRoot,
      onProgress: (progress) => {
        if (progress.phase !== 'started') return;
        runDir = join(workRoot, progress.runId);
        // The sweep ran before this run claimed its folder.
        expect(existsSync(deadOwned)).toBe(false);
        ownerDuringRun = JSON.parse(readFileSync(join(runDir, OWNER_FILE), 'utf8'));
      },
    });
    expect(run.status).toBe('ok');
    expect(ownerDuringRun).toEqual({ pid: process.pid, start: processStartTime(process.pid) });

    expect(existsSync(deadOwned)).toBe(false);
    expect(existsSync(reused)).toBe(false);
    expect(existsSync(oldOwnerless)).toBe(false);
    for (const kept of [liveOwned, selfOwned, garbled, oversized, recentOwnerless, plainFile, join(workRoot, 'link-out'), join(elsewhere, OWNER_FILE)]) {
      expect(existsSync(kept), kept).toBe(true);
    }
    expect(readFileSync(join(liveOwned, 'trial-0', 'data.txt'), 'utf8')).toBe('left by a trial');
    // An orderly run removes its own folder.
    expect(runDir).not.toBe('');
    expect(existsSync(runDir)).toBe(false);
  });
});
