import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { classOverview } from '../../export/class-report';
import { serializeSubmission } from '../../export/submission';
import type { LabPack } from '../../model/lab-pack';
import { LabService } from '../../service/lab-service';
import { buildPackSubmission, checkLabPack, entryQuestions, entryTitle, importSubmissionFiles, readLabPackFile, runPackLesson, serializeLabPack } from '../../service/packs';
import { makeFigure, type BenchOptions, type Figure, type FigureGroup } from '../figure';
import { median } from '../sampling';

/**
 * packs.class-import: an instructor imports a class's submissions of a 10-lesson pack and sees the
 * overview, through the code the app's upload and `conlab class import` use (each file read, checked as
 * untrusted input and kept without its events, then the students × lessons overview with results across
 * machines). The pack is real, its 10 lessons are real race-counter runs (events kept) and the 40
 * submission files are what `conlab pack submit` writes from that history. Baseline: reading the same 40
 * files and gunzip + JSON.parse of each by hand, the floor of taking the bytes in. Target: 40 submissions
 * imported in at most 10 s.
 */

const LESSONS = 10;
const STUDENTS = 40;

/** Ten race-counter lessons, each with its own fixed thread count; the lesson's own questions are asked. */
function classPack(): LabPack {
  return {
    format: 'conlab-lab-pack',
    version: 1,
    id: 'bench-class',
    title: { en: 'Races, ten ways', zh: '十种竞争' },
    instructions: { en: 'Do them in order.', zh: '按顺序完成。' },
    lessons: Array.from({ length: LESSONS }, (_, i) => ({
      id: `l${i + 1}`,
      lesson: 'race-counter',
      fixed: { threads: 4 + i, windowMs: 2, outsideMs: 0 },
    })),
  };
}

async function elapsed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

async function runGroup(options: BenchOptions): Promise<Figure[]> {
  const repetitions = options.quick ? 2 : 5;
  const dir = options.scratchDir;
  const read = checkLabPack(classPack());
  const packFile = join(dir, 'class.conlabpack');
  await writeFile(packFile, serializeLabPack(read.pack));

  // The learners' side, once: every lesson run for real, then one submission file per student.
  const service = LabService.open({ dbPath: join(dir, 'packs-student.db') });
  let eventsPerRun: number[] = [];
  const files: string[] = [];
  let bytes = 0;
  try {
    for (const entry of read.pack.lessons) {
      const run = await runPackLesson(service, read, entry.id, { answers: { 'lost-unlocked': 3, 'lost-locked': 0, 'lock-or-serial': 'lock' } });
      if (run.status !== 'ok') throw new Error(`pack lesson ${entry.id}: the run ended ${run.status}`);
      eventsPerRun.push(service.runEvents(run.id).reduce((n, batch) => n + batch.count, 0));
    }
    options.log(`packs: ${LESSONS} lessons run (${eventsPerRun.join(', ')} events)`);
    for (let s = 0; s < STUDENTS; s++) {
      const file = join(dir, `student-${String(s).padStart(2, '0')}.conlabsub`);
      const data = serializeSubmission(buildPackSubmission(service, read, `学生 ${s + 1}`));
      bytes += data.length;
      await writeFile(file, data);
      files.push(file);
    }
  } finally {
    await service.close();
  }
  eventsPerRun = eventsPerRun.sort((a, b) => a - b);

  const failures: string[] = [];
  const imports: number[] = [];
  const floors: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    // Alternated, so a slower stretch of a shared machine falls on both sides.
    floors.push(
      await elapsed(async () => {
        for (const file of files) JSON.parse(gunzipSync(await readFile(file)).toString('utf8'));
      }),
    );
    imports.push(
      await elapsed(async () => {
        // As the instructor does: the pack from its file, then every submission checked against it.
        const pack = await readLabPackFile(packFile);
        const result = await importSubmissionFiles(
          files.map((file) => ({ name: file, read: () => readFile(file) })),
          pack,
        );
        const overview = classOverview(result.loaded, result.pack, entryTitle, entryQuestions);
        if (r > 0) return;
        if (pack.hash !== read.hash) failures.push('the pack read back from its file has another hash');
        if (result.loaded.length !== STUDENTS || result.refused.length !== 0) failures.push(`loaded ${result.loaded.length} of ${STUDENTS}, refused ${result.refused.length}`);
        const incomplete = overview.students.filter((student) => student.packMatches !== true || student.cells.filter((cell) => cell.done).length !== LESSONS);
        if (overview.students.length !== STUDENTS || incomplete.length > 0) failures.push(`overview: ${overview.students.length} students, ${incomplete.length} without all ${LESSONS} lessons done against this pack`);
      }),
    );
    options.log(`packs: import ${r + 1}/${repetitions}: ${imports[r]!.toFixed(0)} ms (by hand ${floors[r]!.toFixed(0)} ms)`);
  }
  const value = median(imports) / 1000;
  return [
    makeFigure({
      name: 'packs.class-import',
      value,
      unit: 's',
      samples: repetitions,
      baseline: { value: median(floors) / 1000, label: 'read + gunzip + JSON.parse of the same 40 files' },
      target: { of: 'value', op: '<=', limit: 10 },
      failures,
      notes: [
        `${STUDENTS} submissions × ${LESSONS} real race-counter runs (${eventsPerRun[0]}–${eventsPerRun.at(-1)} events per run), ${(bytes / STUDENTS / 1024).toFixed(0)} KB per file gzipped; the pack read from its file, importSubmissionFiles + classOverview, median of ${repetitions}`,
      ],
    }),
  ];
}

export const packsGroup: FigureGroup = {
  name: 'packs',
  description: 'a class import: 40 submissions of a 10-lesson pack, checked and summarised',
  run: runGroup,
};
