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
