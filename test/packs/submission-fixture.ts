// Generated submissions: a pack of N lessons and students' submissions with runs, events and predictions.
import { buildRunLog } from '../../src-main/export/run-log';
import { buildSubmission, type Submission } from '../../src-main/export/submission';
import { packLessonTag, packTag, type LabPack } from '../../src-main/model/lab-pack';
import type { RuntimeName } from '../../src-main/model/run-model';
import { makeBatch, makeRun, makeTrial } from '../export/run-fixture';

export function makePack(lessons: number): LabPack {
  return {
    format: 'conlab-lab-pack',
    version: 1,
    id: 'class-pack',
    title: { zh: '课堂实验', en: 'Class lab' },
    instructions: { zh: '按顺序完成。', en: 'Do them in order.' },
    lessons: Array.from({ length: lessons }, (_, i) => ({
      id: `l${i + 1}`,
      lesson: 'race-counter',
      questions: [
        { id: 'lost', kind: 'number' as const, text: { zh: '剩多少？', en: 'What is left?' }, answerFrom: { record: 'unlockedFinal' }, tolerance: { absolute: 1 } },
        {
          id: 'any',
          kind: 'choice' as const,
          text: { zh: '会丢更新吗？', en: 'Are updates lost?' },
          choices: [
            { id: 'yes', text: { zh: '会', en: 'Yes' }, when: '>0' },
            { id: 'no', text: { zh: '不会', en: 'No' }, when: '==0' },
          ],
          answerFrom: { record: 'unlockedFinal' },
        },
      ],
      report: [{ record: 'unlockedFinal' }],
    })),
  };
}

/** Student `s` did lessons 1..done; the runtime alternates, cores vary; `events` rows per run. */
export function makeSubmission(pack: LabPack, hash: string, s: number, opts: { done?: number; events?: number } = {}): Submission {
  const done = opts.done ?? pack.lessons.length;
  const runtime: RuntimeName = s % 2 === 0 ? 'node' : 'cpython';
  const cpuCount = [2, 4, 8][s % 3]!;
  const runs = pack.lessons.slice(0, done).map((entry, i) => {
    const id = `run-${String(s).padStart(3, '0')}-${String(i).padStart(3, '0')}`;
    const final = (s + i) % 5;
    const rows = Array.from({ length: opts.events ?? 200 }, (_, k) => [k, k * 10, 'write', 'I', { v: k }] as [number, number, string, 'I', Record<string, number>]);
    const run = makeRun({
      id,
      lessonId: entry.lesson ?? null,
      title: `race ${i}`,
      tags: [packTag(pack.id), packLessonTag(pack.id, entry.id)],
      notes: [],
      environment: { ...makeRun().environment, cpuCount, ...(runtime === 'cpython' ? { runtime: { name: 'cpython', version: '3.12.1', path: '/usr/bin/python3', gil: true, startMethod: 'fork' } } : {}) },
      trials: [makeTrial({ records: { unlockedFinal: [final], lockedFinal: [0] }, metrics: { wallMs: 100 + s } })],
      claims: [
        { id: 'a', text: { en: 'a', zh: 'a' }, status: 'holds', detail: '' },
        { id: 'b', text: { en: 'b', zh: 'b' }, status: i % 3 === 0 ? 'fails' : 'holds', detail: '' },
      ],
    });
    return { log: buildRunLog(run, [makeBatch(0, 'worker-1', rows)], '0.1.0'), final };
  });
  return buildSubmission({
    pack: { id: pack.id, hash, title: pack.title },
    student: { name: `学生 ${s}` },
    environment: { ...makeRun().environment, cpuCount },
    runs: runs.map((r) => r.log),
    // Right on even lessons, off by 3 on odd ones; the choice always "yes".
    answers: runs.flatMap((r, i) => [
      { lesson: pack.lessons[i]!.id, question: 'lost', value: i % 2 === 0 ? r.final : r.final + 3, runId: r.log.run.id },
      { lesson: pack.lessons[i]!.id, question: 'any', value: 'yes', runId: r.log.run.id },
    ]),
    appVersion: '0.1.0',
  });
}
