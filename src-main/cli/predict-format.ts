import type { Lang } from '../lessons/lesson';
import { checkPredictions, type PredictionCheck, type Question } from '../model/questions';
import type { RunRecord } from '../model/run-model';
import { terminalSafe } from './format';

const WORDS = {
  en: { heading: 'Your predictions', said: 'you said', measured: 'measured', happened: 'what happened', right: 'right', wrong: 'wrong', unscorable: 'cannot be checked on this run', why: 'why' },
  zh: { heading: '你的预测', said: '你的预测', measured: '实际测得', happened: '实际情况', right: '猜对了', wrong: '没猜中', unscorable: '这次运行无法核对', why: '为什么' },
} as const;

function shown(value: number | string): string {
  return typeof value === 'number' ? String(Number.isInteger(value) ? value : Number(value.toPrecision(4))) : value;
}

/** The run's predictions beside what it measured, one block per question (empty when it has none). */
export function formatPredictionChecks(questions: readonly Question[], run: RunRecord, lang: Lang): string {
  const checks: PredictionCheck[] = checkPredictions(questions, run.predictions ?? [], run);
  if (checks.length === 0) return '';
  const w = WORDS[lang];
  const lines = [`${w.heading}:`];
  for (const check of checks) {
    const question = questions.find((q) => q.id === check.question)!;
    const choiceText = (id: string | null): string | null => (question.kind === 'choice' && id !== null ? question.choices.find((c) => c.id === id)?.text[lang] ?? id : null);
    const unit = question.kind === 'number' && question.unit ? ` ${question.unit}` : '';
    const verdict = check.right === null ? w.unscorable : check.right ? `✓ ${w.right}` : `✗ ${w.wrong}`;
    lines.push(`  ${question.id}: ${question.text[lang]}`);
    const given = choiceText(check.given) ?? `${check.given}${unit}`;
    const happened = choiceText(check.rightChoice);
    const measured = check.measured === null ? '–' : `${shown(check.measured)}${unit}`;
    lines.push(`    ${w.said}: ${given}; ${happened !== null ? `${w.happened}: ${happened} (${measured})` : `${w.measured}: ${measured}`} — ${verdict}`);
    if (question.why) lines.push(`    ${w.why}: ${question.why[lang]}`);
  }
  return terminalSafe(lines.join('\n'));
}
