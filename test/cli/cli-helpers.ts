import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const conlabBin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `conlab` run as a person would, in `dir()` with the history `db()` (both read at each call, so a test
 * file may make them in its beforeAll), English messages; never throws for a non-zero exit.
 */
export function cliIn(dir: () => string, db: () => string) {
  return async (...args: string[]): Promise<CliResult> => {
    try {
      const { stdout, stderr } = await exec(process.execPath, [conlabBin, '--db', db(), ...args], { cwd: dir(), env: { ...process.env, LANG: 'en_US.UTF-8' }, maxBuffer: 64 * 2 ** 20 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
}

/** A fixed total of CPU work split over `workers` threads, each recording its share (strong scaling). */
export function splitWorkSpec(total: number): object {
  return {
    version: 1,
    title: 'split work',
    params: {
      workers: { type: 'integer', default: 1, min: 1, max: 8 },
      total: { type: 'integer', default: total, min: 1, max: 1_000_000_000 },
    },
    actors: [
      { name: 'worker', kind: 'thread', count: { param: 'workers' }, program: [{ op: 'compute', iterations: { div: [{ param: 'total' }, { param: 'workers' }] } }, { op: 'record', name: 'share', value: { div: [{ param: 'total' }, { param: 'workers' }] } }] },
    ],
  };
}
