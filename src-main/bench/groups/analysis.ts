import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LabService } from '../../service/lab-service';
import { makeFigure, type BenchOptions, type Figure, type FigureGroup } from '../figure';
import { median } from '../sampling';

/**
 * analysis.batch-per-trial: a batch of race-counter trials kept for its distribution (records and
 * metrics, no events), wall time per trial, beside single runs of the same lesson and parameters as a
 * learner would start them one by one (events kept), both timed from outside the service, runner
 * process start included. Target: a batch's trial costs at most 1.1 × a single run.
 *
 * analysis.batch-disk: the history's bytes per trial of that batch (its own database file, WAL
 * checkpointed at close), beside a single run's bytes with its events kept. Target: 100 KB per trial,
 * so 1,000 trials stay under 100 MB on disk.
 */

/** A closed database's size on disk: the file and whatever WAL and shared-memory files remain. */
function databaseBytes(path: string): number {
  return ['', '-wal', '-shm'].reduce((sum, suffix) => sum + (existsSync(path + suffix) ? statSync(path + suffix).size : 0), 0);
}

const PARAMS = { threads: 4, windowMs: 2, outsideMs: 0 };

async function elapsed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

async function runGroup(options: BenchOptions): Promise<Figure[]> {
  const trials = options.quick ? 20 : 200;
  const singles = options.quick ? 3 : 10;
  const singlesDb = join(options.scratchDir, 'analysis.db');
  const batchDb = join(options.scratchDir, 'analysis-batch.db');
  const emptyDb = join(options.scratchDir, 'analysis-empty.db');
  const service = LabService.open({ dbPath: singlesDb });
  const batchService = LabService.open({ dbPath: batchDb });
  await LabService.open({ dbPath: emptyDb }).close();
  const failures: string[] = [];
  let closed = false;
  try {
    // One run first, not counted: the first runner start pays for loading the bundles from disk.
    await service.run({ lessonId: 'race-counter', overrides: PARAMS });
    const single: number[] = [];
    for (let i = 0; i < singles; i++) {
      single.push(
        await elapsed(async () => {
          const run = await service.run({ lessonId: 'race-counter', overrides: PARAMS });
          if (run.status !== 'ok') failures.push(`single run ${i + 1}: ${run.status}`);
        }),
      );
      options.log(`analysis: single run ${i + 1}/${singles}: ${single[i]!.toFixed(0)} ms`);
    }
    options.log(`analysis: a batch of ${trials} trials, no events kept`);
    let batchRun = null as Awaited<ReturnType<LabService['run']>> | null;
    const batch = await elapsed(async () => {
      batchRun = await batchService.run({ lessonId: 'race-counter', overrides: PARAMS, repeat: trials, storeEvents: false });
    });
    if (batchRun === null || (batchRun as { status: string }).status !== 'ok') failures.push(`batch: ${batchRun ? (batchRun as { status: string }).status : 'no run'}`);
    const perTrial = batch / trials;
    await Promise.all([service.close(), batchService.close()]);
    closed = true;
    // The empty history's own bytes (schema, pages) are not the trials': each side is measured above it.
    const empty = databaseBytes(emptyDb);
    const batchBytesPerTrial = (databaseBytes(batchDb) - empty) / trials;
    // The singles' history holds the uncounted first run too: singles + 1 runs of one trial each.
    const singleBytes = (databaseBytes(singlesDb) - empty) / (singles + 1);
    options.log(`analysis: ${Math.round(batchBytesPerTrial).toLocaleString('en-US')} bytes per batch trial, ${Math.round(singleBytes).toLocaleString('en-US')} per single run`);
    return [
      makeFigure({
        name: 'analysis.batch-per-trial',
        value: perTrial,
        unit: 'ms',
        samples: 1,
        baseline: { value: median(single), label: `a single run of the same lesson (median of ${singles}), events kept` },
        target: { of: 'ratio', op: '<=', limit: 1.1 },
        failures,
        notes: [`race-counter threads=${PARAMS.threads} windowMs=${PARAMS.windowMs} outsideMs=${PARAMS.outsideMs}: ${trials} trials in one run, records and metrics kept, no events; ${(batch / 1000).toFixed(1)} s in all`],
      }),
      makeFigure({
        name: 'analysis.batch-disk',
        value: batchBytesPerTrial / 1024,
        unit: 'KB/trial',
        samples: 1,
        baseline: { value: singleBytes / 1024, label: 'a single run of the same lesson, events kept' },
        target: { of: 'value', op: '<=', limit: 100 },
        failures: [],
        notes: [`the batch's own database after close, less an empty history's; 1,000 trials at this rate: ${((batchBytesPerTrial * 1000) / 1024 / 1024).toFixed(1)} MB (the issue's bound: 100 MB)`],
      }),
    ];
  } finally {
    if (!closed) await Promise.all([service.close(), batchService.close()]);
  }
}

export const analysisGroup: FigureGroup = {
  name: 'analysis',
  description: 'a 200-trial race-counter batch: wall time and bytes on disk per trial beside single runs',
  run: runGroup,
};
