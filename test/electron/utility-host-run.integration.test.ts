import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, expect, test, vi } from 'vitest';
import { actorRecord, runSpec } from '../engine/helpers/run-spec';
import { DEFAULT_LIMIT_CAPS } from '../../src-main/model/limit-caps';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';

/**
 * The utility-process host inside a real run, without Electron: `electron` is a stand-in whose
 * utilityProcess.fork is a plain child_process.fork (the actor entry speaks to either). What is tested
 * is the host's own part — the memory cap measured from outside and recorded on the run, since the
 * heap flag does not reach a utility process. Linux only: the resident set is read from /proc.
 */

vi.mock('electron', () => ({
  app: { getAppMetrics: () => [] },
  utilityProcess: {
    fork(modulePath: string, args: string[], options: { execArgv?: string[] }) {
      // As Electron does, a heap cap in execArgv never reaches the utility process.
      const execArgv = (options.execArgv ?? []).filter((arg) => !arg.startsWith('--max-old-space-size'));
      const child = fork(modulePath, args, { execArgv, serialization: 'json', stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      const standIn = Object.assign(new EventEmitter(), {
        get pid() {
          return child.pid;
        },
        postMessage: (message: unknown) => {
          if (child.connected) child.send(message as object);
        },
        kill: () => child.kill('SIGKILL'),
      });
      child.once('spawn', () => standIn.emit('spawn'));
      child.on('message', (message) => standIn.emit('message', message));
      // Electron reports a number for every exit, a signal included.
      child.once('exit', (code, signal) => standIn.emit('exit', code ?? (signal ? 1 : 0)));
      return standIn;
    },
  },
}));

const { electronUtilityHost } = await import('../../src-main/app/utility-host');

/** Builds a 128 MB string, then an upper-cased copy (both flat), then waits: far over a 64 MB cap. Muted: the trace never carries the strings. */
const memoryHog = {
  version: 1,
  title: { en: 'A utility actor over its memory limit', zh: '超出内存上限的 utility actor' },
  limits: { memoryMbPerActor: 64 },
  actors: [
    {
      name: 'hog',
      kind: 'utility',
      program: [
        {
          op: 'repeat',
          times: 1,
          trace: 'summary',
          steps: [
            { op: 'let', name: 's', value: 'xxxxxxxx' },
            { op: 'repeat', times: 24, steps: [{ op: 'let', name: 's', value: { concat: [{ ref: 's' }, { ref: 's' }] } }] },
            { op: 'let', name: 'u', value: { upper: { ref: 's' } } },
            { op: 'sleep', ms: 30_000 },
          ],
        },
      ],
    },
  ],
} satisfies AuthoredSpec;

describe.skipIf(process.platform !== 'linux')('utility actors on the utilityProcess host (stand-in electron; Linux: /proc)', () => {
  test('an actor past its memory limit is stopped and the run says why', async () => {
    // The value cap would refuse the 128 MB string as it is built: raised, so the memory limit is what stops it.
    const { run, trial } = await runSpec(memoryHog, { hosts: { utility: electronUtilityHost }, caps: { ...DEFAULT_LIMIT_CAPS, maxValueBytes: 2 ** 30 } });
    expect(run.substitutions ?? []).toEqual([]);
    const hog = actorRecord(trial, 'hog');
    expect(hog.error).toMatch(/^the utility process exceeded its memory limit \(64 MB\): \d+ MB resident, \d+ MB above the \d+ MB it used when its program started; it was stopped$/);
    expect(trial.status).toBe('failed');
    expect(trial.error).toContain('exceeded its memory limit');
    // Stopped by the cap, long before the program's 30 s sleep would have ended.
    expect(trial.wallMs ?? 0).toBeLessThan(25_000);
  });
});
