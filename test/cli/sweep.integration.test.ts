import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn, splitWorkSpec } from './cli-helpers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LabService } from '../../src-main/service/lab-service';
import { readSweep, runSweep } from '../../src-main/service/sweeps';

let dir: string;
let db: string;

const conlab = cliIn(() => dir, () => db);

const splitWork = splitWorkSpec(8_000_000);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-sweep-'));
  db = join(dir, 'history.db');
  writeFileSync(join(dir, 'split.json'), JSON.stringify(splitWork));
});

describe('conlab sweep', () => {
  test('one run per point, the quantity per point, speed-ups against the first, both laws fitted; read back as JSON and CSV', async () => {
    const csvPath = join(dir, 'sweep.csv');
    const swept = await conlab('sweep', 'split.json', '--param', 'workers=1,2,4', '--repeat', '2', '--json', '--csv', csvPath);
    expect(swept.stderr).toMatch(/point 1\/3 · node · workers=1[\s\S]*point 3\/3 · node · workers=4/);
    expect(swept.code).toBe(0);
    const result = JSON.parse(swept.stdout);
    expect(result.planned).toBe(3);
    expect(result.recorded).toBe(3);
    expect(result.params).toEqual(['workers']);
    expect(result.lowerIsBetter).toBe(true);
    const [series] = result.series;
    expect(series.runtime).toBe('node');
    expect(series.points.map((p: { point: { workers: number } }) => p.point.workers)).toEqual([1, 2, 4]);
    for (const p of series.points) {
      expect(p.n).toBe(2);
      expect(p.median).toBeGreaterThan(0);
      expect(p.ci95[0]).toBeLessThanOrEqual(p.median + 1e-9);
    }
    expect(series.points[0].speedup).toBe(1);
    expect(series.points[2].speedup).toBeCloseTo(series.points[0].median / series.points[2].median, 9);
    expect(series.fits.map((f: { law: string }) => f.law)).toEqual(['amdahl', 'usl']);
    const usl = series.fits[1];
    expect(Number.isFinite(usl['usl.sigma'])).toBe(true);
    expect(Number.isFinite(usl['usl.kappa'])).toBe(true);
    expect(Number.isFinite(series.fits[0]['amdahl.serialFraction'])).toBe(true);
    expect(usl.reading.en.length).toBeGreaterThan(10);

    // Every point's runs are in the history, tagged with the sweep.
    const history = await conlab('history', '--tag', `sweep:${result.sweepId}`, '--json');
    expect((JSON.parse(history.stdout) as { id: string }[]).map((r) => r.id).sort()).toEqual(series.points.map((p: { runId: string }) => p.runId).sort());

    // hyperfine's columns, seconds for a time, one row per point.
    const csv = readFileSync(csvPath, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('command,mean,stddev,median,user,system,min,max,parameter_workers,runtime,speedup,run_id');
    expect(csv).toHaveLength(4);
    const row = csv[1]!.split(',');
    expect(Number(row[3])).toBeCloseTo(series.points[0].median / 1000, 9);
    expect(row[8]).toBe('1');

    // Read back: the same runs, another quantity (a record: each worker's share, larger is "better" there).
    const shown = await conlab('sweep-show', result.sweepId, '--record', 'share', '--json');
    expect(shown.code).toBe(0);
    const again = JSON.parse(shown.stdout);
    expect(again.series[0].points.map((p: { runId: string }) => p.runId)).toEqual(series.points.map((p: { runId: string }) => p.runId));
    expect(again.series[0].points.map((p: { median: number }) => p.median)).toEqual([8_000_000, 4_000_000, 2_000_000]);
    const text = await conlab('sweep-show', result.sweepId);
    expect(text.stdout).toMatch(/Amdahl's law: serialFraction = .* R² = /);
    expect(text.stdout).toMatch(/USL: sigma = .*kappa = .* R² = /);
  }, 240_000);

  test('a bad parameter or value is refused before any run starts, naming it', async () => {
    const unknown = await conlab('sweep', 'split.json', '--param', 'threads=1,2');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--param threads: the spec has no parameter "threads"; it has workers, total/);
    const outOfRange = await conlab('sweep', 'split.json', '--param', 'workers=1,2,99');
    expect(outOfRange.code).toBe(2);
    expect(outOfRange.stderr).toMatch(/--set workers: too large \(sweep point workers=99\); expected at most 8; got 99/);
    const malformed = await conlab('sweep', 'split.json', '--param', 'workers');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--param takes name=value,value/);
    const history = await conlab('history', '--json');
    const runs = JSON.parse(history.stdout) as { title: string }[];
    expect(runs.filter((r) => r.title.includes('workers=99'))).toHaveLength(0);
  }, 60_000);
});

describe('a cancelled sweep', () => {
  let service: LabService;
  beforeAll(() => {
    service = LabService.open({ dbPath: join(dir, 'cancel.db') });
  });
  afterAll(async () => {
    await service.close();
  });

  test('keeps the points that finished and says how many were planned', async () => {
    const controller = new AbortController();
    const result = await runSweep(service, {
      spec: splitWork,
      axes: [{ name: 'workers', values: ['1', '2', '3', '4'] }],
      runtimes: ['node'],
      signal: controller.signal,
      onPoint: (p) => {
        if (p.point === 3) controller.abort();
      },
    });
    expect(result.planned).toBe(4);
    expect(result.recorded).toBe(2);
    expect(result.series[0]!.points.map((p) => p.point['workers'])).toEqual([1, 2]);
    expect(result.series[0]!.fitProblem).toMatch(/at least 3 points/);
    expect(readSweep(service, result.sweepId).recorded).toBe(2);
  }, 120_000);
});
