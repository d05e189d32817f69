/**
 * The class overview: submissions of one lab pack read side by side. Students × lessons (done, claims held,
 * predictions right) and, per lesson, the distribution of its key results across the machines they ran on
 * (grouped by runtime and core count). As text for the CLI, CSV, and one self-contained HTML report.
 * Everything shown comes from files other people wrote: every string is escaped where it is written.
 */
import { measureValue, scorePrediction } from '../model/questions';
import { packLessonTag, type ClassCell, type ClassOverview, type ClassStudent, type LabPack, type LessonResults, type PackLesson, type PackQuantity, type PackQuestion, type ResultGroup } from '../model/lab-pack';
export type { ClassCell, ClassOverview, ClassStudent, LessonResults, ResultGroup };
import type { LocalizedText, RunRecord, RuntimeName } from '../model/run-model';
import { csvRecord, CSV_UTF8_BOM } from './csv';
import type { Submission } from './submission';

export interface LoadedSubmission {
  readonly file: string;
  readonly submission: Submission;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const DONE_STATUSES = new Set(['ok', 'deadlocked']);

export const quantityLabel = (q: PackQuantity): string => ('metric' in q ? q.metric : 'record' in q ? `record ${q.record}` : `shared ${q.shared}`);

/** A run's value of a quantity: a metric's median, else the median over counted trials of a record's last value or a shared variable's final value. */
export function quantityValue(run: RunRecord, q: PackQuantity): number | null {
  const value = measureValue(run, q);
  return typeof value === 'number' ? value : null;
}

/** Whether a prediction is right by the run's own value; null when it cannot be scored. */
export function predictionRight(question: PackQuestion, value: string | number, run: RunRecord): boolean | null {
  return scorePrediction(question, value, run).right;
}

const runtimeOf = (run: RunRecord): RuntimeName => run.environment.runtime?.name ?? 'node';
const lessonOfRun = (run: RunRecord, packId: string, lessonIds: readonly string[]): string | null =>
  lessonIds.find((id) => run.tags.includes(packLessonTag(packId, id))) ?? null;

/**
 * The overview of submissions, against the pack when given (its lessons, questions and reported results);
 * without it, lessons are the ones the runs are tagged with, predictions are not scored and results are
 * the runs' metrics.
 */
export function classOverview(
  loaded: readonly LoadedSubmission[],
  packInfo: { readonly pack: LabPack; readonly hash: string } | null,
  /** A built-in lesson's own title (the pack names it by id only). */
  titleOf?: (entry: PackLesson) => LocalizedText,
  /** The questions a lesson asks when the pack gives none (a built-in lesson's own). */
  questionsOf?: (entry: PackLesson) => readonly PackQuestion[],
): ClassOverview {
  const pack = packInfo?.pack ?? null;
  const first = loaded[0]?.submission.pack;
  const packId = pack?.id ?? first?.id ?? '';
  const lessons: { id: string; title: LocalizedText }[] = pack
    ? pack.lessons.map((l) => ({ id: l.id, title: l.title ?? titleOf?.(l) ?? { en: l.lesson ?? l.id, zh: l.lesson ?? l.id } }))
    : inferLessons(loaded, packId);
  const lessonIds = lessons.map((l) => l.id);

  const students: ClassStudent[] = [];
  const values = new Map<string, Map<string, { runtime: RuntimeName; cpuCount: number; value: number }[]>>();
  const record = (lesson: string, label: string, runtime: RuntimeName, cpuCount: number, value: number): void => {
    let byLabel = values.get(lesson);
    if (!byLabel) values.set(lesson, (byLabel = new Map()));
    let list = byLabel.get(label);
    if (!list) byLabel.set(label, (list = []));
    list.push({ runtime, cpuCount, value });
  };

  for (const { file, submission } of loaded) {
    const byLesson = new Map<string, RunRecord[]>();
    if (submission.pack.id === packId) {
      for (const log of submission.runs) {
        const lesson = lessonOfRun(log.run, packId, lessonIds);
        if (lesson === null) continue;
        const list = byLesson.get(lesson) ?? [];
        list.push(log.run);
        byLesson.set(lesson, list);
      }
    }
    const cells = lessons.map(({ id }): ClassCell => {
      const runs = (byLesson.get(id) ?? []).slice().sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      // The last completed run of the lesson, else the last run.
      const run = runs.filter((r) => DONE_STATUSES.has(r.status)).at(-1) ?? runs.at(-1) ?? null;
      const entry = pack?.lessons.find((l) => l.id === id);
      let right = 0;
      let scored = 0;
      let given = 0;
      for (const answer of submission.answers) {
        if (answer.lesson !== id) continue;
        given++;
        const question = (entry ? (entry.questions ?? questionsOf?.(entry) ?? []) : []).find((q) => q.id === answer.question);
        const answeredRun = runs.find((r) => r.id === answer.runId);
        if (!question || !answeredRun) continue;
        const verdict = predictionRight(question, answer.value, answeredRun);
        if (verdict === null) continue;
        scored++;
        if (verdict) right++;
      }
      if (run && DONE_STATUSES.has(run.status)) {
        const quantities: PackQuantity[] = entry?.report ?? run.stats.slice(0, 3).map((s) => ({ metric: s.name }));
        for (const q of quantities) {
          const v = quantityValue(run, q);
          if (v !== null) record(id, quantityLabel(q), runtimeOf(run), run.environment.cpuCount, v);
        }
      }
      return {
        lesson: id,
        done: run !== null && DONE_STATUSES.has(run.status),
        runId: run?.id ?? null,
        runtime: run ? runtimeOf(run) : null,
        claimsHeld: run?.claims.filter((c) => c.status === 'holds').length ?? 0,
        claimsTotal: run?.claims.length ?? 0,
        predictionsRight: right,
        predictionsScored: scored,
        predictionsGiven: given,
      };
    });
    students.push({
      name: submission.student.name,
      file,
      cpuCount: submission.environment.cpuCount,
      cpuModel: submission.environment.cpuModel,
      packMatches: packInfo ? submission.pack.id === packInfo.pack.id && submission.pack.hash === packInfo.hash : null,
      cells,
    });
  }
  students.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }) || a.file.localeCompare(b.file, 'en', { numeric: true }));

  const results: LessonResults[] = lessons.map(({ id }) => ({
    lesson: id,
    quantities: [...(values.get(id) ?? new Map<string, { runtime: RuntimeName; cpuCount: number; value: number }[]>()).entries()].map(([label, list]) => {
      const groups = new Map<string, number[]>();
      for (const v of list) {
        const key = `${v.runtime}\u0000${v.cpuCount}`;
        const g = groups.get(key) ?? [];
        g.push(v.value);
        groups.set(key, g);
      }
      return {
        label,
        groups: [...groups.entries()]
          .map(([key, vs]): ResultGroup => {
            const [runtime, cores] = key.split('\u0000') as [RuntimeName, string];
            return { runtime, cpuCount: Number(cores), n: vs.length, median: median(vs), min: Math.min(...vs), max: Math.max(...vs) };
          })
          .sort((a, b) => a.runtime.localeCompare(b.runtime) || a.cpuCount - b.cpuCount),
      };
    }),
  }));

  return {
    pack: { id: packId, title: pack?.title ?? first?.title ?? { en: packId, zh: packId }, hash: packInfo?.hash ?? null },
    lessons,
    students,
    results,
  };
}

function inferLessons(loaded: readonly LoadedSubmission[], packId: string): { id: string; title: LocalizedText }[] {
  const prefix = packLessonTag(packId, '');
  const seen: string[] = [];
  for (const { submission } of loaded) {
    if (submission.pack.id !== packId) continue;
    for (const log of submission.runs) {
      for (const tag of log.run.tags) {
        if (tag.startsWith(prefix)) {
          const id = tag.slice(prefix.length);
          if (!seen.includes(id) && seen.length < 200) seen.push(id);
        }
      }
    }
  }
  return seen.map((id) => ({ id, title: { en: id, zh: id } }));
}

// ---- CSV: one row per student and lesson.

/** A cell a spreadsheet would read as a formula (=, +, -, @ first) is kept as text. */
const safeCell = (text: string): string => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

export function classCsv(overview: ClassOverview): string {
  const lines = [
    CSV_UTF8_BOM +
      csvRecord(['student', 'file', 'cpu_count', 'pack_matches', 'lesson', 'done', 'run_id', 'runtime', 'claims_held', 'claims_total', 'predictions_right', 'predictions_scored', 'predictions_given']),
  ];
  for (const s of overview.students) {
    for (const c of s.cells) {
      lines.push(
        csvRecord([safeCell(s.name), safeCell(s.file), s.cpuCount, s.packMatches === null ? '' : s.packMatches, c.lesson, c.done, c.runId ?? '', c.runtime ?? '', c.claimsHeld, c.claimsTotal, c.predictionsRight, c.predictionsScored, c.predictionsGiven]),
      );
    }
  }
  return lines.join('');
}

// ---- Text for the CLI.

const fmt = (v: number): string => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en') : Number.isInteger(v) ? String(v) : v.toFixed(2));

export function cellText(c: ClassCell): string {
  if (!c.runId) return '–';
  const claims = `${c.claimsHeld}/${c.claimsTotal}`;
  const predictions = c.predictionsScored > 0 ? ` ${c.predictionsRight}/${c.predictionsScored}p` : '';
  return `${c.done ? '✓' : '✗'} ${claims}${predictions}`;
}

export function classText(overview: ClassOverview, lang: 'en' | 'zh'): string {
  const lines: string[] = [];
  lines.push(`${overview.pack.title[lang]} (${overview.pack.id}) · ${overview.students.length} submissions · ${overview.lessons.length} lessons`);
  lines.push('cells: ✓ done / ✗ not done, claims held/total, predictions right/scored (p)');
  const head = ['student', 'cores', ...overview.lessons.map((l) => l.id)];
  const rows = overview.students.map((s) => [`${s.name}${s.packMatches === false ? ' (other pack version)' : ''}`, String(s.cpuCount), ...s.cells.map(cellText)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  lines.push(line(head), ...rows.map(line));
  for (const r of overview.results) {
    if (r.quantities.length === 0) continue;
    lines.push('', `${r.lesson}:`);
    for (const q of r.quantities) {
      const groups = q.groups.map((g) => `${g.runtime} ${g.cpuCount} cores: median ${fmt(g.median)} (${fmt(g.min)}–${fmt(g.max)}, n=${g.n})`);
      lines.push(`  ${q.label}: ${groups.join(' · ')}`);
    }
  }
  return lines.join('\n');
}

// ---- One self-contained HTML report.

function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function classHtml(overview: ClassOverview, lang: 'en' | 'zh'): string {
  const t = (en: string, zh: string): string => (lang === 'zh' ? zh : en);
  const done = (l: string): number => overview.students.filter((s) => s.cells.find((c) => c.lesson === l)?.done).length;
  const studentRows = overview.students
    .map(
      (s) =>
        `<tr><th scope="row">${esc(s.name)}${s.packMatches === false ? ` <small>(${t('other pack version', '不同版本的实验包')})</small>` : ''}</th><td>${esc(s.cpuCount)}</td>${s.cells
          .map((c) => `<td class="${c.runId ? (c.done ? 'done' : 'failed') : 'missing'}">${esc(cellText(c))}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  const results = overview.results
    .filter((r) => r.quantities.length > 0)
    .map((r) => {
      const title = overview.lessons.find((l) => l.id === r.lesson)?.title[lang] ?? r.lesson;
      const rows = r.quantities
        .flatMap((q) => q.groups.map((g) => `<tr><td>${esc(q.label)}</td><td>${esc(g.runtime)}</td><td>${esc(g.cpuCount)}</td><td>${esc(g.n)}</td><td>${esc(fmt(g.median))}</td><td>${esc(fmt(g.min))} – ${esc(fmt(g.max))}</td></tr>`))
        .join('\n');
      return `<h3>${esc(title)} <small>(${esc(r.lesson)})</small></h3>
<table><thead><tr><th>${t('result', '结果')}</th><th>${t('runtime', '运行时')}</th><th>${t('cores', '核数')}</th><th>n</th><th>${t('median', '中位数')}</th><th>${t('range', '范围')}</th></tr></thead><tbody>
${rows}
</tbody></table>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(overview.pack.title[lang])} · ${t('class overview', '班级总览')}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;white-space:nowrap}
td.done{background:#e7f6e7}td.failed{background:#fbeaea}td.missing{color:#888}
small{color:#666;font-weight:normal}
@media print{body{margin:1cm}}
</style></head><body>
<h1>${esc(overview.pack.title[lang])}</h1>
<p>${t('Pack', '实验包')} <code>${esc(overview.pack.id)}</code>${overview.pack.hash ? ` · sha256 <code>${esc(overview.pack.hash.slice(0, 12))}</code>` : ''} · ${esc(overview.students.length)} ${t('submissions', '份提交')}</p>
<h2>${t('Students × lessons', '学生 × 实验')}</h2>
<p><small>${t('Each cell: ✓ done or ✗ not done, claims held / claims checked, predictions right / scored (p).', '每格：✓ 完成或 ✗ 未完成，成立的结论数 / 检查的结论数，预测正确数 / 可评判数（p）。')}</small></p>
<table><thead><tr><th>${t('student', '学生')}</th><th>${t('cores', '核数')}</th>${overview.lessons.map((l) => `<th title="${esc(l.title[lang])}">${esc(l.id)}</th>`).join('')}</tr></thead><tbody>
${studentRows}
<tr><th scope="row">${t('done', '完成')}</th><td></td>${overview.lessons.map((l) => `<td>${done(l.id)}/${overview.students.length}</td>`).join('')}</tr>
</tbody></table>
<h2>${t('Results across machines', '不同机器上的结果')}</h2>
${results || `<p>${t('No completed runs.', '还没有完成的运行。')}</p>`}
</body></html>
`;
}
