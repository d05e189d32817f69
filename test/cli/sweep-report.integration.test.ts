import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { cliIn, splitWorkSpec } from './cli-helpers';

let dir: string;
let db: string;

const conlab = cliIn(() => dir, () => db);

const splitWork = splitWorkSpec(400_000);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-sweep-report-'));
  db = join(dir, 'history.db');
  writeFileSync(join(dir, 'split.json'), JSON.stringify(splitWork));
});

describe('conlab sweep-show --html', () => {
  test('writes a self-contained report with the quantity, the share meeting the condition and the speed-up plotted, and the fits listed', async () => {
    const swept = await conlab('sweep', 'split.json', '--param', 'workers=1,2,4', '--repeat', '2', '--no-events', '--json', '--html', join(dir, 'at-run.html'));
    expect(swept.code).toBe(0);
    const result = JSON.parse(swept.stdout) as { sweepId: string; series: { points: { runId: string }[]; fitProblem: string | null; fits: { law: string; rSquared: number }[] }[] };
    expect(existsSync(join(dir, 'at-run.html'))).toBe(true);

    const out = join(dir, 'report.html');
    const shown = await conlab('sweep-show', result.sweepId, '--record', 'share', '--when', '>100000', '--html', out);
    expect(shown.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    for (const plot of ['quantity', 'share', 'speedup']) expect(html).toContain(`data-plot="${plot}"`);
    // One marker and one interval per point on the quantity plot (each point's median and its 95% interval).
    const quantity = /data-plot="quantity"[^>]*>([\s\S]*?)<\/svg>/.exec(html)![1]!;
    expect(quantity.match(/<circle /g)).toHaveLength(3);
    // share = 400000 / workers: above 100000 at 1 and 2 workers, not at 4.
    expect(html).toContain('100.0% (2/2;');
    expect(html).toContain('0.0% (0/2;');
    for (const point of result.series[0]!.points) expect(html).toContain(`<code>${point.runId.slice(0, 8)}</code>`);
    const series = result.series[0]!;
    if (series.fitProblem === null) {
      for (const fit of series.fits) expect(html).toContain(`<tr data-law="${fit.law}">`);
      expect(html).toContain('R²');
    } else expect(html).toContain('No fit:');

    const missing = await conlab('sweep-show', 'nosuchsweep', '--html', join(dir, 'none.html'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no sweep nosuchsweep/);
    expect(existsSync(join(dir, 'none.html'))).toBe(false);
  }, 180_000);
});
