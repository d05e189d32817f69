import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from './cli-helpers';
import { beforeAll, describe, expect, test } from 'vitest';

let dir: string;
let db: string;

const conlab = cliIn(() => dir, () => db);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-dist-'));
  db = join(dir, 'history.db');
});

describe('race statistics over many trials', () => {
  test("a batch of race-counter trials kept without events gives the lost updates' distribution and how often updates were lost", async () => {
    const trials = 30;
    const ran = await conlab('run', 'race-counter', '--set', 'threads=4', '--set', 'windowMs=2', '--set', 'outsideMs=0', '--repeat', String(trials), '--no-events', '--json');
    const run = JSON.parse(ran.stdout) as { runId: string; warnings: string[]; trials: { eventCount: number; records: Record<string, number[]> }[] };
    expect(run.trials).toHaveLength(trials);
    expect(run.warnings.join('\n')).toMatch(/the trace was not kept \([\d,]+ events\)/);
    // No event reached the history: the events' CSV is its header alone.
    const events = await conlab('export', run.runId, '--format', 'csv-events', '--out', join(dir, 'events.csv'));
    expect(events.code).toBe(0);
    expect(readFileSync(join(dir, 'events.csv'), 'utf8').trim().split('\n')).toHaveLength(1);
    const finals = run.trials.map((t) => t.records['unlockedFinal']!.at(-1)!);

    const shown = await conlab('distribution', run.runId.slice(0, 8), '--record', 'unlockedFinal', '--when', '>0', '--json');
    expect(shown.code).toBe(0);
    const d = JSON.parse(shown.stdout);
    expect(d.trials).toBe(trials);
    expect(d.distribution.n).toBe(trials);
    expect(d.distribution.listed).toBe(true);
    // Every outcome's count is what the trials recorded.
    for (const bin of d.distribution.bins) expect(bin.count).toBe(finals.filter((v) => v === bin.from).length);
    expect(d.meeting.count).toBe(finals.filter((v) => v > 0).length);
    expect(d.meeting.of).toBe(trials);
    expect(d.meeting.ci95[0]).toBeLessThanOrEqual(d.meeting.share);
    expect(d.meeting.ci95[1]).toBeGreaterThanOrEqual(d.meeting.share);

    const text = await conlab('distribution', run.runId, '--record', 'unlockedFinal', '--when', '>0');
    expect(text.stdout).toMatch(/record unlockedFinal > 0 in \d+\.\d% \(\d+\/30; 95% CI \d+\.\d%–\d+\.\d%\) of trials/);
    // A batch without events stays small: 30 trials of 12 actors in well under a megabyte per trial.
    expect(statSync(db).size).toBeLessThan(trials * 1024 * 1024);

    const missing = await conlab('distribution', run.runId, '--record', 'nope');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no numeric record nope in its 30 counted trials; it has .*unlockedFinal/);
    const badCondition = await conlab('distribution', run.runId, '--record', 'unlockedFinal', '--when', 'lost');
    expect(badCondition.code).toBe(2);
    expect(badCondition.stderr).toMatch(/like ">0"/);
  }, 240_000);

  test('a sweep counts, per point, the trials meeting the condition', async () => {
    const swept = await conlab('sweep', 'race-counter', '--param', 'windowMs=0,3', '--set', 'threads=4', '--set', 'outsideMs=0', '--repeat', '4', '--no-events', '--record', 'unlockedFinal', '--when', '>0', '--json');
    expect(swept.code).toBe(0);
    const result = JSON.parse(swept.stdout);
    expect(result.condition).toEqual({ op: '>', value: 0 });
    const points = result.series[0].points as { runId: string; point: { windowMs: number }; meeting: { of: number; count: number } }[];
    expect(points.map((p) => p.point.windowMs)).toEqual([0, 3]);
    for (const p of points) {
      expect(p.meeting.of).toBe(4);
      // The same count as the point's own run gives when asked directly.
      const direct = JSON.parse((await conlab('distribution', p.runId, '--record', 'unlockedFinal', '--when', '>0', '--json')).stdout);
      expect(p.meeting.count).toBe(direct.meeting.count);
    }
  }, 240_000);
});
