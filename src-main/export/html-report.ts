import type { Comparison } from '../model/run-model';
import type { ClaimResult, ClaimStatus, MetricStats, RunRecord, TrialRecord } from '../model/run-model';
import { deriveTrialStates, type ActorState } from '../model/actor-states';
import { decodeBatches, type EventBatch } from '../model/trace-event';
import { genericKeyNumbers, keyNumbers, type LessonResults } from '../model/lesson-results';
import { formatEvidenceValue } from '../model/claim-evidence';
import { paramDifferences, recordsAcrossRuns } from '../model/run-details';
import { STATUS_WORDS, wordClaimResult, wordRunText, wordVerdict } from '../model/run-wording';
import { compareReason, reportWords, wordingLang, type ReportLang, type ReportWord } from './report-wording';

/** The report's words in its language. */
type Words = ReturnType<typeof reportWords>;

/**
 * The report: one self-contained HTML file for a run or a comparison, with its claims, statistics and
 * charts drawn as inline SVG. No script, no external file, no network: it opens offline in any browser
 * and can be mailed or archived with a lab session's results.
 */

const MARK: Record<ClaimStatus, string> = { holds: '✓', fails: '✗', inconclusive: '?' };
const COLOURS: Record<ActorState, string> = {
  running: '#3b82c4',
  ready: '#9ec5e8',
  blocking: '#1f3f73',
  blocked: '#d9434f',
  waiting: '#e0a030',
  sleeping: '#8b77c9',
  done: '#d5d9e0',
};
const STATE_LABEL: Record<ActorState, ReportWord> = {
  running: 'stateRunning',
  ready: 'stateReady',
  blocking: 'stateBlocking',
  blocked: 'stateBlocked',
  waiting: 'stateWaiting',
  sleeping: 'stateSleeping',
  done: 'stateDone',
};
const MAX_SPANS = 20_000;

export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function num(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en') : Number.isInteger(value) ? String(value) : value.toFixed(2);
}

const STYLE = `body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2330;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #dde2ea}
table{border-collapse:collapse;width:100%}th,td{padding:.25rem .5rem;border-bottom:1px solid #eef0f4;text-align:right}
th:first-child,td:first-child{text-align:left}.muted{color:#667085}.holds{color:#1a7f37}.fails{color:#c62828}.inconclusive{color:#8a6d00}
.claim{margin:.4rem 0}.detail{font-size:.85rem;color:#667085;margin-left:1.6rem}code{font-size:.85rem}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}`;

export function page(title: string, body: string, lang: ReportLang = 'en'): string {
  const w = reportWords(lang);
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body>${body}
<p class="muted">${esc(w('footer', { time: new Date().toISOString() }))}</p>
</body></html>
`;
}

function statsTable(stats: readonly MetricStats[], w: Words): string {
  const rows = stats
    .map((s) => `<tr><td><code>${esc(s.name)}</code>${s.unit ? ` <span class="muted">${esc(s.unit)}</span>` : ''}</td><td>${num(s.median)}</td><td>${num(s.mean)}</td><td>${num(s.stddev)}</td><td>${num(s.ci95[0])} – ${num(s.ci95[1])}</td><td>${num(s.min)}</td><td>${num(s.max)}</td><td>${s.n}</td></tr>`)
    .join('');
  const heads = (['metric', 'median', 'mean', 'sd', 'interval95', 'min', 'max', 'n'] as const).map((key) => `<th>${esc(w(key))}</th>`).join('');
  return `<table><thead><tr>${heads}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** Vertical bars with optional interval whiskers: one per label. */
function barChart(title: string, unit: string, bars: readonly { label: string; value: number; low?: number; high?: number }[]): string {
  if (bars.length === 0) return '';
  const width = 760;
  const height = 220;
  const left = 60;
  const bottom = 30;
  const top = 20;
  const max = Math.max(...bars.map((b) => b.high ?? b.value), 1e-9);
  const slot = (width - left) / bars.length;
  const y = (v: number): number => top + (height - top - bottom) * (1 - v / max);
  const parts = bars.map((bar, i) => {
    const x = left + i * slot + slot * 0.15;
    const w = slot * 0.7;
    const whisker = bar.low !== undefined && bar.high !== undefined ? `<line x1="${x + w / 2}" x2="${x + w / 2}" y1="${y(bar.low)}" y2="${y(bar.high)}" stroke="#1d2330" stroke-width="1.5"/>` : '';
    return `<rect x="${x}" y="${y(bar.value)}" width="${w}" height="${height - bottom - y(bar.value)}" fill="#3b82c4"><title>${esc(bar.label)}: ${num(bar.value)} ${esc(unit)}</title></rect>${whisker}<text x="${x + w / 2}" y="${height - 10}" font-size="11" text-anchor="middle">${esc(bar.label)}</text>`;
  });
  const axis = [0, 0.5, 1].map((f) => `<text x="${left - 6}" y="${y(max * f) + 4}" font-size="11" text-anchor="end">${num(max * f)}</text><line x1="${left}" x2="${width}" y1="${y(max * f)}" y2="${y(max * f)}" stroke="#eef0f4"/>`);
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(title)}">${axis.join('')}${parts.join('')}</svg><figcaption class="muted">${esc(title)} (${esc(unit)})</figcaption></figure>`;
}

/**
 * One lane per actor coloured by state (model/actor-states.ts: the same derivation as the app's timeline and
 * the Perfetto export), a thin track of the locks it holds under each lane, phase marks as labelled lines
 * and, for a deadlock, the cycle's lanes outlined and a line where it was detected.
 */
function timeline(trial: TrialRecord, batches: readonly EventBatch[], w: Words): string {
  const events = decodeBatches(batches.filter((b) => b.trial === trial.index));
  if (events.length === 0) return `<p class="muted">${esc(w('noEvents'))}</p>`;
  const states = deriveTrialStates({ events, actors: trial.actors, deadlock: trial.deadlock });
  const end = Math.max(states.end, 1);
  const order = trial.actors.map((a) => a.name);
  const lanes = [...states.actors].sort((a, b) => {
    const ia = order.indexOf(a.actor);
    const ib = order.indexOf(b.actor);
    return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || a.start - b.start;
  });
  const laneOf = new Map(lanes.map((lane, i) => [lane.actor, i]));
  const width = 1000;
  const labelWidth = 110;
  const row = 20;
  const top = 16;
  const x = (t: number): number => labelWidth + ((width - labelWidth) * Math.max(0, t)) / end;
  const ms = (t: number): string => `${num(t / 1e6)} ms`;
  const cycle = new Set(states.deadlock?.actors ?? []);
  const parts: string[] = [];
  let spans = 0;
  lanes.forEach((lane, i) => {
    const y = top + i * row;
    parts.push(`<text x="0" y="${y + 11}" font-size="11"${cycle.has(lane.actor) ? ' font-weight="bold" fill="#b3261e"' : ''}>${esc(lane.actor)}</text>`);
    for (const interval of lane.intervals) {
      if (spans >= MAX_SPANS) break;
      spans++;
      const detail = `${interval.op ?? ''}${interval.target ? ` ${interval.target}` : ''}`;
      const ended = interval.endedBy === 'deadlock' ? w('untilDeadlock') : interval.endedBy === 'trial-end' ? w('untilTrialEnd') : '';
      parts.push(
        `<rect class="state-${interval.state}" data-actor="${esc(lane.actor)}" data-state="${interval.state}" data-start-ns="${Math.round(interval.start)}" data-end-ns="${Math.round(interval.end)}" x="${x(interval.start).toFixed(1)}" y="${y + 2}" width="${Math.max(0.5, x(interval.end) - x(interval.start)).toFixed(1)}" height="${row - 9}" fill="${COLOURS[interval.state]}"><title>${esc(lane.actor)}: ${esc(w(STATE_LABEL[interval.state]))}${detail ? ` (${esc(detail.trim())})` : ''} ${ms(interval.start)} – ${ms(interval.end)}, ${ms(interval.end - interval.start)}${esc(ended)}</title></rect>`,
      );
    }
    if (cycle.has(lane.actor)) parts.push(`<rect x="${labelWidth - 1}" y="${y + 1}" width="${width - labelWidth + 1}" height="${row - 7}" fill="none" stroke="#b3261e" stroke-width="1.5"/>`);
  });
  for (const hold of states.holds) {
    const lane = laneOf.get(hold.actor);
    if (lane === undefined || spans >= MAX_SPANS) continue;
    spans++;
    parts.push(`<rect x="${x(hold.start).toFixed(1)}" y="${top + lane * row + row - 6}" width="${Math.max(0.5, x(hold.end) - x(hold.start)).toFixed(1)}" height="3" fill="${states.deadlock?.locks.includes(hold.lock) && cycle.has(hold.actor) ? '#b3261e' : '#444b59'}"><title>${esc(w('holdsLock', { actor: hold.actor, lock: hold.lock }))} ${ms(hold.start)} – ${ms(hold.end)}${hold.open ? esc(w('stillHeld')) : ''}</title></rect>`);
  }
  const height = top + lanes.length * row + 4;
  for (const mark of states.marks) parts.push(`<line x1="${x(mark.t).toFixed(1)}" x2="${x(mark.t).toFixed(1)}" y1="4" y2="${height}" stroke="#667085" stroke-dasharray="3 2"/><text x="${(x(mark.t) + 2).toFixed(1)}" y="11" font-size="10" fill="#667085">${esc(mark.name)}</text>`);
  if (states.deadlock) parts.push(`<line x1="${x(states.deadlock.detectedAt).toFixed(1)}" x2="${x(states.deadlock.detectedAt).toFixed(1)}" y1="4" y2="${height}" stroke="#b3261e" stroke-width="1.5"><title>${esc(w('deadlockAt', { ms: ms(states.deadlock.detectedAt) }))}</title></line>`);
  const legend = Object.entries(COLOURS).map(([state, colour]) => `<span><i style="background:${colour}"></i>${esc(w(STATE_LABEL[state as ActorState]))}</span>`).join('');
  const closing = states.deadlock?.closingWait;
  const cycleNote = states.deadlock
    ? `<p class="fails">${esc(w('cycle', { actors: states.deadlock.actors.join(', '), locks: states.deadlock.locks.join(', ') }))}${closing ? esc(w('closingWait', { actor: closing.actor, lock: closing.lock, ms: ms(closing.start) })) : ''}${esc(w('detectedAt', { ms: ms(states.deadlock.detectedAt) }))}</p>`
    : '';
  return `<p class="legend">${legend}<span><i style="background:#444b59;height:.25rem"></i>${esc(w('lockHeld'))}</span></p>${cycleNote}<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(w('timelineLabel'))}">${parts.join('')}</svg><p class="muted">${esc(w('timelineCaption', { trial: trial.index, ms: num(end / 1e6) }))}${spans >= MAX_SPANS ? esc(w('firstSpans', { n: MAX_SPANS.toLocaleString('en') })) : ''}.</p>`;
}

/** A recorded value in a cell: numbers as `num` shows them, anything else as short JSON. */
function valueText(value: unknown): string {
  // As claim evidence shows numbers: a record reads the same in the claims and in this table.
  if (typeof value === 'number') return formatEvidenceValue(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '–';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Values as one cell: a single value alone, several joined (at most 12, then how many more). */
function valuesText(values: readonly unknown[], w: Words): string {
  if (values.length === 0) return '–';
  const shown = values.slice(0, 12).map(valueText).join(', ');
  return values.length > 12 ? `${shown} … ${w('values', { n: values.length })}` : shown;
}

/** Every record and final shared value, one row each, a column per counted trial. */
function recordsTable(run: RunRecord, w: Words): string {
  const counted = run.trials.filter((t) => !t.warmup);
  const trials = counted.length > 0 ? counted : run.trials;
  const recordNames = [...new Set(trials.flatMap((t) => Object.keys(t.records)))];
  const sharedNames = [...new Set(trials.flatMap((t) => Object.keys(t.finalShared)))];
  if (recordNames.length + sharedNames.length === 0) return `<p class="muted">${esc(w('noValues'))}</p>`;
  const head = `<tr><th>${esc(w('record'))}</th>${trials.map((t) => `<th>${esc(w('trialN', { n: t.index }))}</th>`).join('')}</tr>`;
  const rows = [
    ...recordNames.map((name) => `<tr><td><code>${esc(name)}</code></td>${trials.map((t) => `<td>${esc(valuesText(Object.hasOwn(t.records, name) ? t.records[name]! : [], w))}</td>`).join('')}</tr>`),
    ...sharedNames.map((name) => `<tr><td><code>${esc(name)}</code> <span class="muted">${esc(w('final'))}</span></td>${trials.map((t) => `<td>${esc(Object.hasOwn(t.finalShared, name) ? valueText(t.finalShared[name]) : '–')}</td>`).join('')}</tr>`),
  ].join('');
  return `<table data-section="records"><thead>${head}</thead><tbody>${rows}</tbody></table>`;
}

/** The lesson's key numbers (or a generic table of numeric records): a table, its ratios, and bars when the lesson asks for them. */
function keyNumbersSection(run: RunRecord, results: LessonResults | undefined, lang: ReportLang): string {
  const view = results ? keyNumbers(results, run.trials) : genericKeyNumbers(run.trials);
  if (!view) return '';
  const w = reportWords(lang);
  const zh = lang === 'zh-CN';
  // In English each label is followed by its Chinese (a bilingual class reads both); in Chinese, Chinese alone.
  const both = (label: { readonly en: string; readonly zh: string }): string => (zh ? esc(label.zh) : `${esc(label.en)} <span class="muted">${esc(label.zh)}</span>`);
  const heading = (c: (typeof view.columns)[number]): string => (zh ? `${esc(c.label.zh)}${c.unit ? ` (${esc(c.unit)})` : ''}` : `${esc(c.label.en)}${c.unit ? ` (${esc(c.unit)})` : ''} <span class="muted">${esc(c.label.zh)}</span>`);
  const head = `<tr><th>${esc(zh ? view.rowHeader.zh : view.rowHeader.en)}</th>${view.columns.map((c) => `<th>${heading(c)}</th>`).join('')}</tr>`;
  const rows = view.rows.map((row) => `<tr><td>${both(row.label)}</td>${row.values.map((v) => `<td>${v === null ? '–' : formatEvidenceValue(v)}</td>`).join('')}</tr>`).join('');
  const ratios = view.ratios.map((r) => `<li>${both(r.label)}: ${r.of === null ? '–' : formatEvidenceValue(r.of)} ÷ ${r.over === null ? '–' : formatEvidenceValue(r.over)} = ${r.value === null ? '–' : `${r.value.toFixed(2)}×`}</li>`).join('');
  const bars =
    view.kind === 'bars'
      ? view.columns
          .map((c, index) => ({ c, index }))
          .filter(({ c }) => view.barColumns.includes(c.id))
          .map(({ c, index }) => barChart(`${zh ? view.title.zh : view.title.en}: ${zh ? c.label.zh : c.label.en}`, c.unit ?? '', view.rows.flatMap((row) => (row.values[index] === null || row.values[index] === undefined ? [] : [{ label: zh ? row.label.zh : row.label.en, value: row.values[index]! }]))))
          .join('')
      : '';
  return `<h2>${zh ? esc(w('keyNumbers', { title: view.title.zh })) : `${esc(w('keyNumbers', { title: view.title.en }))} <span class="muted">${esc(view.title.zh)}</span>`}</h2>${bars}<table data-section="key-numbers"><thead>${head}</thead><tbody>${rows}</tbody></table>${ratios ? `<ul>${ratios}</ul>` : ''}<p class="muted">${esc(w('medianOver', { n: view.trials }))}</p>`;
}

/** A claim with its verdict in plain words and, over several trials, every trial's evidence. */
function claimBlock(claim: ClaimResult, withZh: boolean, lang: ReportLang): string {
  const w = reportWords(lang);
  const which = wordingLang(lang);
  const trials = claim.trials && claim.trials.length > 1 ? `<ul class="detail">${claim.trials.map((t) => `<li class="${t.status}">${MARK[t.status]} ${esc(w('trialPrefix', { n: t.trial }))}${esc(wordVerdict(t, which))}</li>`).join('')}</ul>` : '';
  const text = which === 'zh' ? esc(claim.text.zh) : `${esc(claim.text.en)}${withZh ? ` <span class="muted">/ ${esc(claim.text.zh)}</span>` : ''}`;
  return `<div class="claim ${claim.status}"><span title="${esc(w(claim.status))}">${MARK[claim.status]}</span> ${text}<div class="detail">${esc(wordClaimResult(claim, which))}</div>${trials}</div>`;
}

/** The run's status with its failed claims: "ok · 2 claims failed". */
function statusWithClaims(run: RunRecord, lang: ReportLang): string {
  const w = reportWords(lang);
  const failed = run.claims.filter((c) => c.status === 'fails').length;
  const status = lang === 'zh-CN' ? (STATUS_WORDS[run.status]?.zh ?? run.status) : run.status;
  return failed === 0 ? status : `${status} · ${failed === 1 ? w('claimFailed') : w('claimsFailed', { n: failed })}`;
}

/** A report of one run: claims, statistics, a chart of its trials and the timeline of its last counted trial. */
export function runReport(run: RunRecord, batches: readonly EventBatch[], results?: LessonResults, lang: ReportLang = 'en'): string {
  const w = reportWords(lang);
  const which = wordingLang(lang);
  const counted = run.trials.filter((t) => !t.warmup);
  const last = counted[counted.length - 1] ?? run.trials[run.trials.length - 1];
  const claims = run.claims.map((c) => claimBlock(c, true, lang)).join('');
  const deadlocks = run.trials.filter((t) => t.deadlock).map((t) => `<p class="fails">${esc(w('trialPrefix', { n: t.index }))}${esc(wordRunText(t.deadlock!.description, which))}</p>`).join('');
  const params = Object.entries(run.params).map(([k, v]) => `<code>${esc(k)}=${esc(JSON.stringify(v))}</code>`).join(' ');
  const env = run.environment;
  const body = `<h1>${esc(run.title)}</h1>
<p class="muted">${esc(w('run'))} <code>${esc(run.id)}</code>${run.lessonId ? ` · ${esc(w('lesson'))} <code>${esc(run.lessonId)}</code>` : ''} · <strong class="${run.claims.some((c) => c.status === 'fails') ? 'fails' : ''}">${esc(statusWithClaims(run, lang))}</strong> · ${num(run.wallMs)} ms · ${esc(w('countedTrials', { n: counted.length }))}${run.warmup ? esc(w('warmups', { n: run.warmup })) : ''} · ${esc(w('started', { time: run.startedAt }))}</p>
${params ? `<p>${esc(w('parameters'))} ${params}</p>` : ''}
<p class="muted">${esc(env.os)} · ${esc(env.cpuModel)} × ${env.cpuCount} · ${env.totalMemoryMb} MB · node ${esc(env.node)}${env.electron ? ` · electron ${esc(env.electron)}` : ''}</p>
${run.substitutions.map((s) => `<p class="muted">${esc(w('substitution', { kind: s.kind, ranAs: s.ranAs, reason: wordRunText(s.reason, which) }))}</p>`).join('')}
${run.error ? `<p class="fails">${esc(wordRunText(run.error, which))}</p>` : ''}${deadlocks}
<h2>${esc(w('claims'))}</h2>${claims || `<p class="muted">${esc(w('noClaims'))}</p>`}
${keyNumbersSection(run, results, lang)}
<h2>${esc(w('recordedValues'))}</h2>${recordsTable(run, w)}
<h2>${esc(w('metrics'))}</h2>${statsTable(run.stats, w)}
${barChart(w('wallTimeChart'), 'ms', run.trials.map((t) => ({ label: `${t.warmup ? 'w' : '#'}${t.index}`, value: t.wallMs })))}
${run.warnings.map((text) => `<p class="inconclusive">${esc(w('warning', { text: wordRunText(text, which) }))}</p>`).join('')}
<h2>${esc(w('timeline'))}</h2>${last ? timeline(last, batches, w) : ''}`;
  return page(`${run.title} — ${w('appName')}`, body, lang);
}

/** A report of a comparison: the baseline first, ratios with their 95% intervals, means with intervals as a chart. */
export function comparisonReport(runs: readonly RunRecord[], comparison: Comparison, lang: ReportLang = 'en'): string {
  const w = reportWords(lang);
  const label = (id: string): string => {
    const run = runs.find((r) => r.id === id);
    return `${id.slice(0, 8)}${run ? ` ${run.lessonId ?? run.title}` : ''}`;
  };
  const head = `<tr><th>${esc(w('metric'))}</th>${comparison.runIds.map((id, i) => `<th>${esc(label(id))}${i === 0 ? esc(w('baseline')) : ''}</th>`).join('')}</tr>`;
  const rows = comparison.metrics
    .map((m) => {
      const cells = m.stats.map((s, i) => {
        if (!s) return '<td>–</td>';
        if (i === 0) return `<td>${num(s.mean)}</td>`;
        const ratio = m.ratios[i - 1];
        const interval = ratio?.interval ? ` [${ratio.interval[0].toFixed(2)}, ${ratio.interval[1].toFixed(2)}]` : '';
        return `<td>${num(s.mean)}<br><span class="muted">${ratio?.ratio !== null && ratio?.ratio !== undefined ? `${ratio.ratio.toFixed(2)}×${interval}${ratio.verdict ? ` ${esc(w(ratio.verdict))}` : ''}` : esc(ratio ? compareReason(ratio, lang) : '')}</span></td>`;
      });
      return `<tr><td><code>${esc(m.name)}</code> <span class="muted">${esc(m.unit)}</span></td>${cells.join('')}</tr>`;
    })
    .join('');
  const wall = comparison.metrics.find((m) => m.name === 'wallMs');
  const chart = wall
    ? barChart(
        w('meanWallChart'),
        'ms',
        wall.stats.flatMap((s, i) => (s ? [{ label: label(comparison.runIds[i]!), value: s.mean, low: s.ci95[0], high: s.ci95[1] }] : [])),
      )
    : '';
  const claims = runs
    .map((run) => `<h3>${esc(label(run.id))}: ${esc(statusWithClaims(run, lang))}</h3>${run.claims.map((c) => claimBlock(c, false, lang)).join('')}`)
    .join('');
  const paramRows = paramDifferences(runs)
    .map((p) => `<tr${p.differs ? ' class="fails"' : ''}><td><code>${esc(p.name)}</code>${p.differs ? ` <strong>${esc(w('differs'))}</strong>` : ''}</td>${p.values.map((v) => `<td>${esc(v === undefined ? '–' : typeof v === 'string' ? v : JSON.stringify(v))}</td>`).join('')}</tr>`)
    .join('');
  const runHeads = comparison.runIds.map((id) => `<th>${esc(label(id))}</th>`).join('');
  const params = paramRows ? `<h2>${esc(w('parametersHeading'))}</h2><table data-section="params"><thead><tr><th>${esc(w('parameter'))}</th>${runHeads}</tr></thead><tbody>${paramRows}</tbody></table>` : '';
  const recordRows = recordsAcrossRuns(runs)
    .map((r) => `<tr><td><code>${esc(r.name)}</code></td>${r.values.map((v, i) => `<td>${v === null ? '–' : formatEvidenceValue(v)}${i > 0 && r.ratios[i] !== null ? `<br><span class="muted">${r.ratios[i]!.toFixed(2)}×</span>` : ''}</td>`).join('')}</tr>`)
    .join('');
  const records = recordRows ? `<h2>${esc(w('records'))}</h2><p class="muted">${esc(w('recordsNote'))}</p><table data-section="records"><thead><tr><th>${esc(w('record'))}</th>${runHeads}</tr></thead><tbody>${recordRows}</tbody></table>` : '';
  const body = `<h1>${esc(w('comparisonOf', { n: runs.length }))}</h1>
<p class="muted">${esc(w('comparisonNote'))}</p>
<h2>${esc(w('metrics'))}</h2><table><thead>${head}</thead><tbody>${rows}</tbody></table>${chart}
${comparison.skipped.map((s) => `<p class="muted">${esc(w('skipped', { name: s.name, reason: compareReason(s, lang) }))}</p>`).join('')}
<h2>${esc(w('claims'))}</h2>${claims}
${params}${records}`;
  return page(`${w('comparison')} — ${w('appName')}`, body, lang);
}
