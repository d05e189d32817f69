// Predictions travel with their run: stored through the service's one write path in a real SQLite file,
// exported in the run log, imported strictly back (a log from before predictions still imports), and a log
// whose predictions are bad is refused naming the path.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildRunLog, parseRunLog, RunLogError, serializeRunLog } from '../../src-main/export/run-log';
import { LabService } from '../../src-main/service/lab-service';
import { makeTempDir } from '../store/helpers/store-fixtures';
import { makeBatch, makeRun, makeTrial } from './run-fixture';

let temp: ReturnType<typeof makeTempDir>;
let services: LabService[] = [];
beforeEach(() => {
  temp = makeTempDir('conlab-predictions-');
});
afterEach(async () => {
  for (const service of services) await service.close();
  services = [];
  temp.remove();
});

function open(name: string): LabService {
  const service = LabService.open({ dbPath: join(temp.dir, name) });
  services.push(service);
  return service;
}

/** A race-counter run as a log from before predictions: no predictions field at all. */
function oldLog(id = 'run-race-0001'): Buffer {
  const run = makeRun({ id, lessonId: 'race-counter', trials: [makeTrial({ records: { unlockedFinal: [16], lockedFinal: [0], lockedMs: [500], serialWorkMs: [60, 60, 60, 60, 60, 60, 60, 60, 60, 60] } })] });
  return serializeRunLog(buildRunLog(run, [makeBatch(0, 'main', [[0, 1_000, 'start', 'I']])], '0.1.0'));
}

describe('predictions in the history and in run logs', () => {
  it('an older log imports; predictions saved against the lesson’s questions come back with the run, export and import again', async () => {
    const first = open('first.db');
    const { runId } = await first.importRunLog(oldLog());
    expect(first.getRun(runId).predictions).toBeUndefined();

    const saved = await first.savePredictions(runId, [{ question: 'lost-unlocked', value: 15 }, { question: 'lock-or-serial', value: 'lock' }]);
    expect(saved.map((p) => [p.question, p.value])).toEqual([['lost-unlocked', '15'], ['lock-or-serial', 'lock']]);
    const stored = first.getRun(runId).predictions!;
    expect(stored.map((p) => [p.question, p.value]).sort()).toEqual([['lock-or-serial', 'lock'], ['lost-unlocked', '15']]);

    // Checked against race-counter's own questions before anything is written.
    await expect(first.savePredictions(runId, [{ question: 'lost-unlocked', value: 500 }])).rejects.toThrow(/predictions\[0\]\.value: question lost-unlocked: 500 is outside 0\.\.200/);
    await expect(first.savePredictions(runId, [{ question: 'who-knows', value: 'x' }])).rejects.toThrow(/no question "who-knows"/);

    const exported = first.exportRun(runId, 'json.gz');
    const log = await parseRunLog(exported.data);
    expect(log.run.predictions).toEqual(stored);

    const second = open('second.db');
    expect(await second.importRunLog(exported.data)).toEqual({ runId, result: 'inserted' });
    expect(second.getRun(runId).predictions).toEqual(stored);
    // The same log again is the same run; deleting the run takes its predictions.
    expect((await second.importRunLog(exported.data)).result).toBe('exists');
    expect(await second.deleteRun(runId)).toBe(true);
    expect((await second.importRunLog(oldLog('run-race-0002'))).result).toBe('inserted');
    expect(second.getRun('run-race-0002').predictions).toBeUndefined();
  });

  it('a run log whose predictions are bad is refused, naming the path', async () => {
    const base = JSON.parse(oldLog().toString('utf8')) as { run: Record<string, unknown> };
    const answered = { question: 'lost-unlocked', value: '15', answeredAt: '2025-03-01T10:00:00.000Z' };
    const cases: [unknown, RegExp][] = [
      [[{ ...answered, question: '../etc' }], /run\.predictions\[0\]\.question/],
      [[{ ...answered, value: 'x'.repeat(201) }], /run\.predictions\[0\]\.value/],
      [[{ ...answered, value: 15 }], /run\.predictions\[0\]\.value/],
      [[{ ...answered, answeredAt: 'yesterday' }], /run\.predictions\[0\]\.answeredAt/],
      [[{ ...answered, extra: true }], /run\.predictions\[0\]/],
      [[answered, { ...answered, value: '3' }], /run\.predictions\[1\]\.question: question "lost-unlocked" is answered twice/],
      [[1, 2, 3, 4].map((i) => ({ ...answered, question: `q${i}` })), /run\.predictions: /],
      ['lost-unlocked: 15', /run\.predictions/],
    ];
    for (const [predictions, path] of cases) {
      const hostile = { ...base, run: { ...base.run, predictions } };
      const error = await parseRunLog(JSON.stringify(hostile)).catch((e: unknown) => e);
      expect(error, JSON.stringify(predictions).slice(0, 80)).toBeInstanceOf(RunLogError);
      expect((error as Error).message).toMatch(path);
    }
    // And through the service: nothing is stored.
    const service = open('hostile.db');
    const hostile = { ...base, run: { ...base.run, predictions: [{ ...answered, question: 'NOT OK' }] } };
    await expect(service.importRunLog(JSON.stringify(hostile))).rejects.toThrow(/run\.predictions\[0\]\.question/);
    expect(service.listRuns()).toEqual([]);
  });
});
