/**
 * The HTML report's own words, in English and Chinese (the glossary's terms: 运行, 试验, 论断, 指标, 记录,
 * 参与者, 基准, 时间线). The engine's sentences inside it (claim verdicts, errors, warnings) come from
 * model/run-wording.ts, as in the app.
 */
import type { WordingLang } from '../model/run-wording';

/** A report's language, as the app and the CLI name it. */
export type ReportLang = 'en' | 'zh-CN';

export function wordingLang(lang: ReportLang): WordingLang {
  return lang === 'zh-CN' ? 'zh' : 'en';
}

export const REPORT_WORDS = {
  footer: { en: 'Concurrency Lab report, written {time}. Self-contained: no script, nothing loaded from elsewhere.', zh: '并发实验室报告，生成于 {time}。自成一体：没有脚本，也不从别处加载任何内容。' },
  appName: { en: 'Concurrency Lab', zh: '并发实验室' },
  metric: { en: 'metric', zh: '指标' },
  median: { en: 'median', zh: '中位数' },
  mean: { en: 'mean', zh: '平均值' },
  sd: { en: 'sd', zh: '标准差' },
  interval95: { en: '95% interval', zh: '95% 区间' },
  min: { en: 'min', zh: '最小值' },
  max: { en: 'max', zh: '最大值' },
  n: { en: 'n', zh: '次数' },
  stateRunning: { en: 'running', zh: '运行中' },
  stateReady: { en: 'ready (waiting for the loop)', zh: '就绪（等待事件循环）' },
  stateBlocking: { en: 'blocking its thread / the loop', zh: '阻塞着自己的线程或事件循环' },
  stateBlocked: { en: 'blocked on a lock', zh: '被锁阻塞' },
  stateWaiting: { en: 'waiting', zh: '等待中' },
  stateSleeping: { en: 'sleeping (yielding)', zh: '休眠（让出执行）' },
  stateDone: { en: 'done', zh: '已结束' },
  noEvents: { en: 'No events were recorded for this trial.', zh: '这次试验没有记录到事件。' },
  untilDeadlock: { en: ', until the deadlock was detected', zh: '，直到检测到死锁' },
  untilTrialEnd: { en: ", until the trial's end", zh: '，直到试验结束' },
  holdsLock: { en: '{actor} holds {lock}', zh: '{actor} 持有 {lock}' },
  stillHeld: { en: ' (still held)', zh: '（仍未释放）' },
  deadlockAt: { en: 'deadlock detected at {ms}', zh: '在 {ms} 检测到死锁' },
  cycle: { en: 'Deadlock cycle (outlined): {actors} over {locks}', zh: '死锁环（已框出）：{actors}，涉及 {locks}' },
  closingWait: { en: '; the wait that closed it: {actor} waiting for {lock} from {ms}', zh: '；让环闭合的那次等待：{actor} 从 {ms} 起等待 {lock}' },
  detectedAt: { en: '; detected at {ms}.', zh: '；在 {ms} 检测到。' },
  lockHeld: { en: 'lock held', zh: '持有锁' },
  timelineLabel: { en: 'timeline', zh: '时间线' },
  timelineCaption: { en: 'Trial {trial}, {ms} ms', zh: '试验 {trial}，{ms} ms' },
  firstSpans: { en: ', first {n} spans', zh: '，只画出前 {n} 段' },
  record: { en: 'record', zh: '记录' },
  trialN: { en: 'trial {n}', zh: '试验 {n}' },
  final: { en: 'final', zh: '最终值' },
  noValues: { en: 'This run recorded no values.', zh: '这次运行没有记录任何值。' },
  values: { en: '({n} values)', zh: '（共 {n} 个值）' },
  keyNumbers: { en: 'Key numbers: {title}', zh: '关键数字：{title}' },
  medianOver: { en: 'Median over {n} counted trial(s).', zh: '取 {n} 次计入的试验的中位数。' },
  trialPrefix: { en: 'trial {n}: ', zh: '试验 {n}：' },
  claimsFailed: { en: '{n} claims failed', zh: '{n} 条论断不成立' },
  claimFailed: { en: '1 claim failed', zh: '1 条论断不成立' },
  run: { en: 'run', zh: '运行' },
  lesson: { en: 'lesson', zh: '课程' },
  countedTrials: { en: '{n} counted trial(s)', zh: '{n} 次计入的试验' },
  warmups: { en: ' + {n} warm-up', zh: ' + {n} 次预热' },
  started: { en: 'started {time}', zh: '开始于 {time}' },
  parameters: { en: 'parameters:', zh: '参数：' },
  substitution: { en: '{kind} actors ran as {ranAs}: {reason}', zh: '{kind} 参与者改以 {ranAs} 运行：{reason}' },
  claims: { en: 'Claims', zh: '论断' },
  noClaims: { en: 'This run makes no claims.', zh: '这次运行没有论断。' },
  recordedValues: { en: 'Recorded values', zh: '记录的值' },
  metrics: { en: 'Metrics', zh: '指标' },
  wallTimeChart: { en: 'Wall time of each trial', zh: '每次试验的墙钟时间' },
  warning: { en: 'warning: {text}', zh: '警告：{text}' },
  timeline: { en: 'Timeline', zh: '时间线' },
  baseline: { en: ' (baseline)', zh: '（基准）' },
  meanWallChart: { en: 'Mean wall time with its 95% interval', zh: '平均墙钟时间及其 95% 区间' },
  parametersHeading: { en: 'Parameters', zh: '参数' },
  parameter: { en: 'parameter', zh: '参数' },
  differs: { en: 'differs', zh: '不同' },
  records: { en: 'Records', zh: '记录' },
  recordsNote: {
    en: "The last value each trial recorded, median over each run's counted trials; under it, the ratio to the first run.",
    zh: '每次试验记录的最后一个值，取每次运行中计入的试验的中位数；下方是它与第一次运行之比。',
  },
  comparisonOf: { en: 'Comparison of {n} runs', zh: '{n} 次运行的对比' },
  comparisonNote: {
    en: "Ratios are each run's mean over the baseline's, with a 95% interval (delta method, Welch degrees of freedom).",
    zh: '比值是每次运行的平均值除以基准的平均值，附 95% 区间（delta 方法，Welch 自由度）。',
  },
  skipped: { en: 'skipped {name}: {reason}', zh: '跳过了 {name}：{reason}' },
  comparison: { en: 'Comparison', zh: '对比' },
  holds: { en: 'holds', zh: '成立' },
  fails: { en: 'fails', zh: '不成立' },
  inconclusive: { en: 'inconclusive', zh: '无法判断' },
  faster: { en: 'faster', zh: '更快' },
  slower: { en: 'slower', zh: '更慢' },
  same: { en: 'same', zh: '相同' },
  uncertain: { en: 'uncertain', zh: '不确定' },
} as const satisfies Record<string, { readonly en: string; readonly zh: string }>;

export type ReportWord = keyof typeof REPORT_WORDS;

/** A comparison's notes by code (the same wording as the app's lang.compareReasons), in Chinese. */
export const COMPARE_REASONS_ZH: Readonly<Record<string, string>> = {
  'baseline-lacks-metric': '基准运行 {run} 没有指标“{metric}”',
  'only-baseline-has-metric': '只有基准运行 {run} 有指标“{metric}”',
  'too-few-trials': '要算区间，每次运行至少需要 2 次计入的试验（{baseline}：n = {baselineN}，{other}：n = {otherN}）',
  'all-zero': '两次运行的每次试验都测得 0：无法求比值',
  'non-positive-mean': '比值的区间要求平均值为正（{baseline}：{baselineMean}，{other}：{otherMean}）',
};

/** A comparison's note in the report's language: by its code in Chinese, the recorded English otherwise. */
export function compareReason(note: { readonly reason: string | null; readonly reasonCode?: string; readonly reasonParams?: Readonly<Record<string, string | number>> }, lang: ReportLang): string {
  const template = lang === 'zh-CN' && note.reasonCode ? COMPARE_REASONS_ZH[note.reasonCode] : undefined;
  if (template === undefined) return note.reason ?? '';
  const params = note.reasonParams ?? {};
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/** The report's words in one language: `w('trialN', { n: 2 })`. */
export function reportWords(lang: ReportLang): (key: ReportWord, params?: Readonly<Record<string, string | number>>) => string {
  const which = wordingLang(lang);
  return (key, params = {}) => REPORT_WORDS[key][which].replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}
