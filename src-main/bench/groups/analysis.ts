import { join } from 'node:path';
import { LabService } from '../../service/lab-service';
import { makeFigure, type BenchOptions, type Figure, type FigureGroup } from '../figure';
import { median } from '../sampling';

/**
 * analysis.batch-per-trial: a batch of race-counter trials kept for its distribution (records and
 * metrics, no events), wall time per trial, beside single runs of the same lesson and parameters as a
 * learner would start them one by one (events kept), both timed from outside the service, runner
 * process start included. Target: a batch's trial costs at most 1.1 × a single run.
 */

const PARAMS = { threads: 4, windowMs: 2, outsideMs: 0 };

async function elapsed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

async function runGroup(options: BenchOptions): Promise<Figure[]> {
  const trials = options.quick ? 20 : 200;
  const singles = options.quick ? 3 : 10;
  const service = LabService.open({ dbPath: join(options.scratchDir, 'analysis.db') });
  const failures: string[] = [];
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
      batchRun = await service.run({ lessonId: 'race-counter', overrides: PARAMS, repeat: trials, storeEvents: false });
    });
    if (batchRun === null || (batchRun as { status: string }).status !== 'ok') failures.push(`batch: ${batchRun ? (batchRun as { status: string }).status : 'no run'}`);
    const perTrial = batch / trials;
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
    ];
  } finally {
    await service.close();
  }
}

export const analysisGroup: FigureGroup = {
  name: 'analysis',
  description: 'a 200-trial race-counter batch: wall time per trial beside single runs',
  run: runGroup,
};
