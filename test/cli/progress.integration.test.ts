import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

/** `conlab run`'s progress line moves while a run goes on (elapsed seconds, events), and stays out of pipes and --json. */

const exec = promisify(execFile);
const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');
let dir: string;
let specFile: string;

/** Two threads that each wait 25 × 100 ms: a run of a few seconds with events all along. */
const slowSpec = {
  version: 1,
  title: 'slow spec',
  shared: { total: { scope: 'shared', initial: 0 } },
  actors: [{ name: 'worker', kind: 'thread', count: 2, program: [{ op: 'repeat', times: 25, trace: 'each', steps: [{ op: 'block', ms: 100 }, { op: 'add', var: 'total', delta: 1 }] }] }],
};

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-progress-'));
  specFile = join(dir, 'slow.json');
  writeFileSync(specFile, JSON.stringify(slowSpec));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function conlab(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base: Record<string, string | undefined> = { ...process.env, LANG: 'en_US.UTF-8', ...env };
  if (!('CONLAB_PROGRESS' in env)) delete base['CONLAB_PROGRESS'];
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, '--db', join(dir, 'history.db'), ...args], { cwd: dir, env: base, maxBuffer: 16 * 2 ** 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The progress lines drawn, in order (each starts by returning to the line's start and clearing it). */
function drawn(output: string): string[] {
  return output
    .split('\r\x1b[2K')
    .slice(1)
    .map((line) => line.split('\n')[0]!.trim())
    .filter((line) => line.length > 0);
}
const elapsedOf = (line: string): number | null => {
  const found = / (\d+\.\d) s · /.exec(line);
  return found ? Number(found[1]) : null;
};
const eventsOf = (line: string): number | null => {
  const found = /([\d,]+) events/.exec(line);
  return found ? Number(found[1]!.replace(/,/g, '')) : null;
};

describe('conlab run: the progress line', () => {
  test('moves during a multi-second run when asked for through a pipe (CONLAB_PROGRESS=1), then is cleared', async () => {
    const result = await conlab(['run', specFile], { CONLAB_PROGRESS: '1' });
    expect(result.code).toBe(0);
    const lines = drawn(result.stderr);
    const elapsed = new Set(lines.map(elapsedOf).filter((value) => value !== null));
    expect(elapsed.size).toBeGreaterThanOrEqual(2);
    expect(lines.every((line) => /^trial 1\/1 · \d+\.\d s · [\d,]+ events$/.test(line))).toBe(true);
    // Elapsed never goes back; events grow past 0 before the end.
    const values = lines.map(elapsedOf) as number[];
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(Math.max(...lines.map((line) => eventsOf(line) ?? 0))).toBeGreaterThan(0);
    // The line is cleared before the result is printed.
    expect(result.stderr.endsWith('\r\x1b[2K')).toBe(true);
    expect(result.stdout).toContain('slow spec');
  }, 120_000);

  test('nothing is drawn when stderr is piped without asking, nor with --json', async () => {
    const piped = await conlab(['run', specFile]);
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toContain('\r\x1b[2K');
    const json = await conlab(['run', specFile, '--json'], { CONLAB_PROGRESS: '1' });
    expect(json.code).toBe(0);
    expect(json.stderr).not.toContain('\r\x1b[2K');
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'ok' });
  }, 120_000);

  test.skipIf(!hasScript)('on a pseudo-terminal (script) the line moves without being asked for', async () => {
    const command = [process.execPath, bin, '--db', join(dir, 'history.db'), 'run', specFile].map((part) => `'${part.replace(/'/g, "'\\''")}'`).join(' ');
    const env: Record<string, string | undefined> = { ...process.env, LANG: 'en_US.UTF-8' };
    delete env['CONLAB_PROGRESS'];
    const { stdout } = await exec('script', ['-qfec', command, '/dev/null'], { cwd: dir, env, maxBuffer: 16 * 2 ** 20 });
    const elapsed = new Set(drawn(stdout).map(elapsedOf).filter((value) => value !== null));
    expect(elapsed.size).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
