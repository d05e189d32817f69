// The recorded values reach the exports: a real race-counter run, exported through the CLI as the
// records CSV and as the HTML report, carries each phase's final counter (the lost updates) with the
// value the run recorded, and the report's key-number table shows the updates lost in each phase.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, test } from 'vitest';

const exec = promisify(execFile);
const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');
let dir: string;

async function conlab(...args: string[]): Promise<string> {
  try {
    const { stdout } = await exec(process.execPath, [bin, '--db', join(dir, 'history.db'), ...args], { cwd: dir, maxBuffer: 64 * 2 ** 20 });
    return stdout;
  } catch (error) {
    // A run that ended badly or whose claims failed exits non-zero: say which, from what it printed.
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`conlab ${args.join(' ')} failed: ${stderr.trim()} ${stdout.slice(0, 4_000)}`);
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-records-export-'));
});

test('race-counter: the records CSV and the HTML report hold every phase final as recorded', async () => {
  // A race window of 200 ms: with four threads whose starts spread out (the lesson's own point), a 10 ms window may see
  // no two of them overlap, and its claim that updates are lost would not hold; this test is about the exports.
  const run = JSON.parse(await conlab('run', 'race-counter', '--set', 'threads=4', '--set', 'windowMs=200', '--json')) as { runId: string; trials: { index: number; warmup: boolean; records: Record<string, unknown[]> }[] };
  const trial = run.trials.filter((t) => !t.warmup).at(-1)!;
  const finals = ['unlockedFinal', 'lockedFinal', 'serialFinal'];
  for (const name of finals) expect(trial.records[name], name).toHaveLength(1);

  const csvFile = join(dir, 'records.csv');
  await conlab('export', run.runId, '--format', 'csv-records', '--out', csvFile);
  const rows = readFileSync(csvFile, 'utf8').split('\r\n').filter((line) => line.length > 0).map((line) => line.split(','));
  expect(rows[0]).toEqual(['run_id', 'trial', 'warmup', 'kind', 'name', 'index', 'value']);
  for (const name of finals) {
    const row = rows.find((r) => r[1] === String(trial.index) && r[3] === 'record' && r[4] === name);
    expect(row, name).toEqual([run.runId, String(trial.index), 'false', 'record', name, '0', String(trial.records[name]![0])]);
  }

  const htmlFile = join(dir, 'report.html');
  await conlab('export', run.runId, '--format', 'html', '--out', htmlFile);
  const html = readFileSync(htmlFile, 'utf8');
  const section = html.slice(html.indexOf('<table data-section="records">'));
  expect(section.length).toBeGreaterThan(0);
  for (const name of finals) expect(section).toContain(`<tr><td><code>${name}</code></td><td>${String(trial.records[name]![0])}</td></tr>`);
  // The lesson's key numbers: updates lost in each phase.
  const keyTable = html.slice(html.indexOf('<table data-section="key-numbers">'));
  expect(keyTable).toContain(`<tr><td>no lock <span class="muted">不加锁</span></td><td>${String(trial.records['unlockedFinal']![0])}</td><td>–</td></tr>`);
  expect(keyTable).toContain(`<tr><td>with a lock <span class="muted">加锁</span></td><td>${String(trial.records['lockedFinal']![0])}</td>`);
});
