import Table from 'cli-table3';
import type { ClaimStatus, Comparison, RunRecord, RunSummary, RuntimeName } from '../model/run-model';
import { CHAPTER_TITLES, pick, type Lang } from '../lessons/lesson';
import type { Lesson } from '../model/lesson';
import { findLesson } from '../lessons/catalog';
import { formatEvidenceValue } from '../model/claim-evidence';
import { wordClaimResult, wordRunText, wordVerdict } from '../model/run-wording';
import { genericKeyNumbers, keyNumbers } from '../model/lesson-results';
import type { LabService, RunPair } from '../service/lab-service';
import type { RuntimeListing } from '../engine/runtimes/cpython-runtime';

/** How the command line shows lessons, runs, history and comparisons to a person. */

/**
 * Characters a terminal acts on instead of showing: C0 controls but the newline (escape sequences start
 * with ESC; CR and backspace overwrite), DEL, C1 controls (0x9b is a one-byte CSI in some terminals), the
 * bidirectional overrides, isolates and marks (which reorder what is shown), and the Unicode line and
 * paragraph separators.
 */
const TERMINAL_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * Text safe to write to a terminal: every character above written as its JSON escape (ESC as \u001b),
 * as git and ls quote what they print. JSON text stays valid JSON with the same value, since JSON.stringify
 * already escapes C0 and the rest can appear only inside its strings. Everything the CLI prints goes through it.
 */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A value shown on one line (a table cell, a title): terminal-safe, and unable to fake a line of its own. */
function oneLine(text: string): string {
  return terminalSafe(text).replace(/\n/g, '\\n');
}

/** Pushes a row of cells, each made safe before cli-table3 measures it. */
function addRow(t: Table.Table, cells: readonly string[]): void {
  t.push(cells.map(oneLine));
}

const MARK: Record<ClaimStatus, string> = { holds: '✓', fails: '✗', inconclusive: '?' };

function num(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en');
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

function table(head: string[]): Table.Table {
  return new Table({ head: head.map(oneLine), style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
}

export function formatLessonList(service: LabService, lang: Lang): string {
  const lines: string[] = [];
  for (const chapter of service.chapters()) {
    const lessons = service.listLessons().filter((l) => l.chapter === chapter.id);
    if (lessons.length === 0) continue;
    lines.push(pick(chapter.title, lang));
    for (const lesson of lessons) lines.push(`  ${lesson.id.padEnd(26)} ${pick(lesson.title, lang)}`);
    lines.push('');
  }
  lines.push(lang === 'zh' ? '运行：conlab run <课程>；详情：conlab show <课程>' : 'Run one: conlab run <lesson>; read one: conlab show <lesson>');
  return lines.join('\n');
}

export function formatLesson(lesson: Lesson, lang: Lang): string {
  const zh = lang === 'zh';
  const spec = lesson.spec as { params?: Record<string, { type: string; default: unknown; min?: number; max?: number; choices?: string[]; description?: string | { en: string; zh: string } }>; claims?: { id: string; text: string | { en: string; zh: string } }[] };
  const lines = [
    `${pick(lesson.title, lang)}  (${lesson.id} · ${pick(CHAPTER_TITLES[lesson.chapter], lang)})`,
    '',
    pick(lesson.text.teaches, lang),
    '',
    `${zh ? '观察' : 'Watch'}: ${pick(lesson.text.watch, lang)}`,
    '',
    `${zh ? 'Python 与 Node' : 'Python and Node'}: ${pick(lesson.text.pythonVsNode, lang)}`,
    '',
    `${zh ? '试试' : 'Try next'}: ${pick(lesson.text.tryNext, lang)}`,
  ];
  const params = Object.entries(spec.params ?? {});
  if (params.length) {
    lines.push('', zh ? '参数（--set 名称=值）：' : 'Parameters (--set name=value):');
    for (const [name, def] of params) {
      const bounds = def.choices ? def.choices.join('|') : def.min !== undefined || def.max !== undefined ? `${def.min ?? ''}..${def.max ?? ''}` : def.type;
      const description = def.description === undefined ? '' : typeof def.description === 'string' ? def.description : pick(def.description, lang);
      lines.push(`  ${name} = ${JSON.stringify(def.default)}  [${bounds}]  ${description}`);
    }
  }
  const presets = lesson.presets ?? [];
  if (presets.length) {
    lines.push('', zh ? '预设（--preset 名称，即“试试”中的建议）：' : 'Presets (--preset id, the "try next" suggestions):');
    for (const preset of presets) {
      const values = Object.entries(preset.params).map(([name, value]) => `${name}=${String(value)}`).join(' ');
      lines.push(`  ${preset.id}  ${pick(preset.label, lang)}  (${values})`);
    }
  }
  const claims = spec.claims ?? [];
  if (claims.length) {
    lines.push('', zh ? '检查的论断：' : 'Claims checked:');
    for (const claim of claims) lines.push(`  - ${typeof claim.text === 'string' ? claim.text : pick(claim.text, lang)}`);
  }
  const questions = lesson.questions ?? [];
  if (questions.length) {
    lines.push('', zh ? '先预测（--predict 问题=答案）：' : 'Predict first (--predict question=answer):');
    for (const question of questions) {
      const answers = question.kind === 'choice' ? question.choices.map((c) => `${c.id} = ${pick(c.text, lang)}`).join('; ') : zh ? `一个数${question.unit ? `（${question.unit}）` : ''}` : `a number${question.unit ? ` (${question.unit})` : ''}`;
      lines.push(`  ${question.id}  ${pick(question.text, lang)}`, `      ${answers}`);
    }
  }
  return lines.join('\n');
}

export function formatRun(run: RunRecord, lang: Lang): string {
  const zh = lang === 'zh';
  const counted = run.trials.filter((t) => !t.warmup);
  const failedClaims = run.claims.filter((c) => c.status === 'fails').length;
  const claimNote = failedClaims === 0 ? '' : zh ? `（${failedClaims} 条论断不成立）` : ` (${failedClaims} claim${failedClaims === 1 ? '' : 's'} failed)`;
  const lines = [oneLine(run.title), `${zh ? '运行' : 'run'} ${oneLine(run.id)} · ${run.status}${claimNote} · ${num(run.wallMs ?? null, 0)} ms · ${counted.length} ${zh ? '次计数试验' : 'counted trial(s)'}${run.warmup ? ` + ${run.warmup} warm-up` : ''}`];
  if (run.tags.length) lines.push(`${zh ? '标签' : 'tags'}: ${run.tags.map(oneLine).join(', ')}`);
  if (run.error) lines.push(`${zh ? '原因' : 'reason'}: ${oneLine(wordRunText(run.error, lang))}`);
  for (const trial of run.trials) {
    if (trial.deadlock) lines.push(`${zh ? `第 ${trial.index} 次试验` : `trial ${trial.index}`}: ${oneLine(wordRunText(trial.deadlock.description, lang))}`);
  }
  for (const substitution of run.substitutions) {
    const reason = oneLine(wordRunText(substitution.reason, lang));
    lines.push(zh ? `注意：${substitution.kind} 参与者改以 ${oneLine(substitution.ranAs)} 运行 — ${reason}` : `note: ${substitution.kind} actors ran as ${oneLine(substitution.ranAs)} — ${reason}`);
  }
  if (run.claims.length) {
    lines.push('', zh ? '论断' : 'Claims');
    for (const claim of run.claims) {
      lines.push(`  ${MARK[claim.status]} ${oneLine(pick(claim.text, lang))}\n      ${oneLine(wordClaimResult(claim, lang))}`);
      // Over several trials, a claim that did not hold shows every trial's evidence.
      const trials = claim.trials ?? [];
      if (claim.status !== 'holds' && trials.length > 1) {
        for (const trial of trials) lines.push(`        ${MARK[trial.status]} ${zh ? `第 ${trial.trial} 次试验` : `trial ${trial.trial}`}: ${oneLine(wordVerdict(trial, lang))}`);
      }
    }
  }
  const declared = run.lessonId ? findLesson(run.lessonId)?.results : undefined;
  const key = declared ? keyNumbers(declared, run.trials) : genericKeyNumbers(run.trials);
  if (key) {
    // The lesson's key numbers, in the claims' number format (a record reads the same in both).
    const shown = (value: number | null): string => (value === null ? '–' : formatEvidenceValue(value));
    const keyTable = table([pick(key.rowHeader, lang), ...key.columns.map((c) => `${pick(c.label, lang)}${c.unit ? ` (${c.unit})` : ''}`)]);
    for (const row of key.rows) addRow(keyTable, [pick(row.label, lang), ...row.values.map(shown)]);
    lines.push('', `${zh ? '关键数字' : 'Key numbers'}: ${oneLine(pick(key.title, lang))}`, keyTable.toString());
    for (const ratio of key.ratios) lines.push(`  ${oneLine(pick(ratio.label, lang))}: ${shown(ratio.of)} ÷ ${shown(ratio.over)} = ${ratio.value === null ? '–' : `${ratio.value.toFixed(2)}×`}`);
  }
  if (run.stats.length) {
    const stats = table(['metric', 'median', 'mean', '± sd', '95% CI', 'min', 'max', 'n']);
    for (const s of run.stats) {
      addRow(stats, [`${s.name}${s.unit ? ` (${s.unit})` : ''}`, num(s.median), num(s.mean), num(s.stddev), `${num(s.ci95[0])} – ${num(s.ci95[1])}`, num(s.min), num(s.max), String(s.n)]);
    }
    lines.push('', stats.toString());
  }
  const last = counted[counted.length - 1] ?? run.trials[run.trials.length - 1];
  if (last) {
    const records = Object.entries(last.records);
    if (records.length) {
      lines.push('', zh ? '记录的值（最后一次试验）' : 'Recorded values (last trial)');
      for (const [name, values] of records) lines.push(`  ${oneLine(name)}: ${values.map((v) => JSON.stringify(v)).join(', ')}`);
    }
    const shared = Object.entries(last.finalShared);
    if (shared.length) lines.push(`${zh ? '共享变量终值' : 'final shared state'}: ${shared.map(([k, v]) => `${oneLine(k)}=${JSON.stringify(v)}`).join(', ')}`);
  }
  for (const warning of run.warnings) lines.push(`${zh ? '警告' : 'warning'}: ${oneLine(wordRunText(warning, lang))}`);
  if (run.notes.length) {
    lines.push('', zh ? '笔记' : 'Notes');
    for (const note of run.notes) lines.push(`  ${oneLine(note.createdAt.replace('T', ' ').slice(0, 19))}  ${oneLine(note.text)}`);
  }
  return lines.join('\n');
}

/**
 * Each id shortened to 8 characters, or more where ids listed together begin alike, so every prefix shown
 * names one of them (commands refuse a prefix that several runs' ids start with).
 */
function shortIds(ids: readonly string[]): Map<string, string> {
  const sorted = [...new Set(ids)].sort();
  const common = (a: string | undefined, b: string | undefined): number => {
    if (a === undefined || b === undefined) return 0;
    let n = 0;
    while (n < a.length && n < b.length && a[n]!.toLowerCase() === b[n]!.toLowerCase()) n++;
    return n;
  };
  return new Map(sorted.map((id, k) => [id, id.slice(0, Math.max(8, common(id, sorted[k - 1]) + 1, common(id, sorted[k + 1]) + 1))]));
}

export function formatHistory(runs: readonly RunSummary[]): string {
  if (runs.length === 0) return 'no runs recorded yet (conlab run <lesson> records one)';
  const out = table(['run', 'started', 'lesson / title', 'status', 'wall ms', 'claims ✓/✗/?', 'tags']);
  const short = shortIds(runs.map((run) => run.id));
  for (const run of runs) {
    addRow(out, [short.get(run.id)!, run.startedAt.replace('T', ' ').slice(0, 19), run.lessonId ?? run.title, run.status, num(run.wallMs, 0), `${run.claimsHeld}/${run.claimsFailed}/${run.claimsInconclusive}`, run.tags.join(', ')]);
  }
  return out.toString();
}

export function formatComparison(comparison: Comparison): string {
  const others = comparison.runIds.slice(1);
  const out = table(['metric', `baseline ${comparison.baselineId.slice(0, 8)} (mean)`, ...others.map((id) => `${id.slice(0, 8)}: ratio [95% CI]`)]);
  for (const metric of comparison.metrics) {
    const base = metric.stats[0];
    const cells = metric.ratios.map((ratio) => {
      if (!ratio || ratio.ratio === null) return ratio?.reason ?? '–';
      const interval = ratio.interval ? ` [${ratio.interval[0].toFixed(2)}, ${ratio.interval[1].toFixed(2)}]` : ` (${ratio.reason ?? 'no interval'})`;
      return `${ratio.ratio.toFixed(2)}×${interval}${ratio.verdict && ratio.verdict !== 'uncertain' ? ` ${ratio.verdict}` : ''}`;
    });
    addRow(out, [`${metric.name}${metric.unit ? ` (${metric.unit})` : ''}`, base ? num(base.mean) : '–', ...cells]);
  }
  const lines = [out.toString()];
  for (const skipped of comparison.skipped) lines.push(`skipped ${oneLine(skipped.name)}: ${oneLine(skipped.reason)}`);
  return lines.join('\n');
}

/** The machine-readable result of `conlab run --json`. */
export function runJson(run: RunRecord): Record<string, unknown> {
  return {
    runId: run.id,
    lessonId: run.lessonId,
    title: run.title,
    status: run.status,
    wallMs: run.wallMs,
    params: run.params,
    claims: run.claims.map((c) => ({ id: c.id, text: c.text, status: c.status, detail: c.detail, trials: c.trials ?? [] })),
    metrics: Object.fromEntries(run.stats.map((s) => [s.name, s])),
    trials: run.trials.map((t) => ({
      index: t.index,
      warmup: t.warmup,
      status: t.status,
      wallMs: t.wallMs,
      metrics: t.metrics,
      records: t.records,
      finalShared: t.finalShared,
      deadlock: t.deadlock,
      error: t.error,
      eventCount: t.eventCount,
      eventsLost: t.eventsLost,
      actors: t.actors,
    })),
    runtime: run.environment.runtime ?? { name: 'node', version: run.environment.node },
    substitutions: run.substitutions,
    warnings: run.warnings,
    environment: run.environment,
  };
}

/** The records a side-by-side table shows at most (the first ones the lesson records, in its order). */
const PAIR_RECORDS = 16;

function recordCell(run: RunRecord, name: string): string {
  const counted = run.trials.filter((t) => !t.warmup);
  const last = counted[counted.length - 1] ?? run.trials[run.trials.length - 1];
  const values = last?.records[name];
  if (!values || values.length === 0) return '–';
  const shown = values.slice(0, 4).map((v) => (typeof v === 'number' ? num(v) : JSON.stringify(v)));
  return shown.join(', ') + (values.length > 4 ? `, … (${values.length})` : '');
}

/** A claim's status in Chinese, the renderer's words. */
const CLAIM_STATUS_ZH: Record<ClaimStatus, string> = { holds: '成立', fails: '不成立', inconclusive: '无法判断' };

/** `conlab run --runtime both`: one table, a column per runtime, rows for the run, each claim and the key records. */
export function formatPair(pair: RunPair, lang: Lang): string {
  const zh = lang === 'zh';
  const head = pair.sides.map((side) => (side.run?.environment.runtime ? `${side.runtime} ${side.run.environment.runtime.version}` : side.run ? `${side.runtime} ${side.run.environment.node}` : side.runtime));
  const out = table(['', ...head]);
  const cell = (f: (run: RunRecord) => string): string[] => pair.sides.map((side) => (side.run ? f(side.run) : ''));
  // A refused side says why once, in its first row; its other cells stay empty.
  addRow(out, [zh ? '运行' : 'run', ...pair.sides.map((side) => (side.run ? side.run.id.slice(0, 8) : `refused: ${side.refused}`))]);
  addRow(out, [zh ? '状态' : 'status', ...cell((run) => run.status)]);
  addRow(out, ['wall ms', ...cell((run) => num(run.wallMs ?? null, 0))]);
  // A lesson may run with other defaults on CPython (a slower compute loop): say so where they differ.
  const paramText = (run: RunRecord): string => Object.entries(run.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  const ranParams = pair.sides.flatMap((side) => (side.run ? [paramText(side.run)] : []));
  if (new Set(ranParams).size > 1) addRow(out, [zh ? '参数' : 'params', ...cell(paramText)]);
  const runs = pair.sides.flatMap((side) => (side.run ? [side.run] : []));
  const claimIds = [...new Set(runs.flatMap((run) => run.claims.map((c) => c.id)))];
  for (const id of claimIds) {
    addRow(out, [id, ...cell((run) => {
      const claim = run.claims.find((c) => c.id === id);
      return claim ? `${MARK[claim.status]} ${zh ? CLAIM_STATUS_ZH[claim.status] : claim.status}` : '–';
    })]);
  }
  const recordNames = [...new Set(runs.flatMap((run) => run.trials.flatMap((t) => Object.keys(t.records))))].slice(0, PAIR_RECORDS);
  for (const name of recordNames) addRow(out, [name, ...cell((run) => recordCell(run, name))]);
  const lines = [`${runs[0] ? oneLine(runs[0].title) : ''} · pair:${pair.pairId}`, out.toString()];
  for (const side of pair.sides) {
    for (const claim of side.run?.claims ?? []) {
      // A claim about the other runtime is inconclusive by design: its cell says so, its detail adds nothing.
      if (claim.status !== 'holds' && !(claim.trials ?? []).some((t) => t.detailCode === 'needs-runtime') && !claim.detail.startsWith('describes the ')) lines.push(`${side.runtime} ${MARK[claim.status]} ${oneLine(claim.id)}: ${oneLine(wordClaimResult(claim, lang))}`);
    }
  }
  if (runs.length > 0) lines.push(zh ? `${runs.length > 1 ? '两次运行都' : '该运行'}带标签 pair:${pair.pairId}（conlab history --tag pair:${pair.pairId}）` : `${runs.length > 1 ? 'both runs are' : 'the run is'} tagged pair:${pair.pairId} (conlab history --tag pair:${pair.pairId})`);
  return lines.join('\n');
}

/** `conlab run --runtime both --json`: each runtime's `run --json` object, or its refusal. */
export function pairJson(pair: RunPair): Record<string, unknown> {
  return { pairId: pair.pairId, runs: Object.fromEntries(pair.sides.map((side) => [side.runtime, side.run ? runJson(side.run) : { refused: side.refused }])) };
}

export interface CheckRow {
  readonly lesson: string;
  readonly runtime: RuntimeName;
  /** Why the runtime did not run the lesson (it was never started): not a failure. */
  readonly refused?: string;
  readonly runId: string;
  readonly status: string;
  readonly held: number;
  readonly failed: number;
  readonly inconclusive: number;
  readonly wallMs: number;
  readonly failures: readonly string[];
}

/** The longest refusal reason a check table shows (the JSON output has it whole). */
const REFUSAL_SHOWN = 70;

function checkCell(row: CheckRow | undefined): string {
  if (!row) return '–';
  if (row.refused !== undefined) return `refused: ${row.refused.length > REFUSAL_SHOWN ? `${row.refused.slice(0, REFUSAL_SHOWN - 1)}…` : row.refused}`;
  return `${row.status} ✓${row.held} ✗${row.failed} ?${row.inconclusive} · ${num(row.wallMs, 0)} ms`;
}

export function formatCheck(rows: readonly CheckRow[]): string {
  const runtimes = [...new Set(rows.map((row) => row.runtime))];
  const lessons = [...new Set(rows.map((row) => row.lesson))];
  let out: Table.Table;
  if (runtimes.length === 1 && runtimes[0] === 'node') {
    out = table(['lesson', 'status', 'held', 'failed', 'inconclusive', 'wall ms']);
    for (const row of rows) addRow(out, [row.lesson, row.status, String(row.held), String(row.failed), String(row.inconclusive), num(row.wallMs, 0)]);
  } else {
    // A column per runtime: status, claims held ✓ / failed ✗ / inconclusive ?, wall time — or why it was refused.
    out = table(['lesson', ...runtimes]);
    for (const lesson of lessons) addRow(out, [lesson, ...runtimes.map((runtime) => checkCell(rows.find((row) => row.lesson === lesson && row.runtime === runtime)))]);
  }
  const lines = [out.toString()];
  const label = (row: CheckRow): string => (runtimes.length > 1 || row.runtime !== 'node' ? `${row.lesson} (${row.runtime})` : row.lesson);
  for (const row of rows) for (const failure of row.failures) lines.push(`${label(row)}: ${oneLine(failure)}`);
  const failed = rows.filter((r) => r.failed > 0).length;
  const refused = rows.filter((r) => r.refused !== undefined).length;
  const ran = rows.length - refused;
  const refusedNote = refused ? ` (${refused} refused before starting: the runtime cannot run them yet)` : '';
  const noun = runtimes.length > 1 ? 'runs' : 'lessons';
  lines.push(failed ? `${failed} of ${ran} ${noun} have a failing claim${refusedNote}` : `all ${ran} ${noun}: no claim failed${refusedNote}`);
  return lines.join('\n');
}

/** Control characters (a path from CONLAB_PYTHON is the user's text) shown as \u escapes, never sent to the terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function formatRuntimes(rows: readonly RuntimeListing[]): string {
  const out = table(['runtime', 'usable', 'version', 'GIL', 'processes start by', 'path', 'note']);
  for (const row of rows) {
    out.push([row.name, row.usable ? 'yes' : 'no', row.version ?? '-', row.gil === null ? '-' : row.gil ? 'on' : 'off', row.startMethod ?? '-', printable(row.path), printable(row.note)]);
  }
  const cpython = rows.some((row) => row.name === 'cpython' && row.usable);
  const nogil = rows.some((row) => row.name === 'cpython-nogil' && row.usable);
  const lines = [
    cpython ? 'run with --runtime cpython to use the first usable CPython' : 'no usable CPython: install python3 (3.9 or newer), or set CONLAB_PYTHON or the Python path in Settings to an interpreter\'s path',
    nogil
      ? 'run with --runtime cpython-nogil to use CPython without the GIL'
      : 'no CPython without the GIL found (python3.14t, python3.13t): install a free-threaded build or set CONLAB_PYTHON_NOGIL to its path',
  ];
  return `${out.toString()}\n${lines.join('\n')}`;
}
