/**
 * What the engine says about a run, in both languages: a claim's verdict when it has no comparison to
 * show (why it could not be judged), a trial's error and the run's warnings. Each kind is a code with
 * named values; the engine writes the English text from this table (so the record reads as before) and
 * records the code beside it where the record has room for it (a claim's evidence). A run error or a
 * warning is recorded as its English text alone: `readCoded` finds its code and values again from the
 * same table, so old runs are worded too. Anything not in the table (an actor's own error, from user
 * code or the OS) is quoted as it is.
 *
 * Pure data and functions, no Node imports: the engine, the HTML report and the renderer share it.
 */
import { formatEvidenceValue, opSymbol, type EvidenceComparison, type EvidenceTerm } from './claim-evidence';
import { escapeRegExp } from './escape-regexp';

export type WordingLang = 'en' | 'zh';
export type WordingParams = Readonly<Record<string, string | number>>;

interface Wording {
  readonly en: string;
  readonly zh: string;
}

/** Why a claim could not be judged in a trial (or at all): codes recorded as a verdict's `detailCode`. */
export const CLAIM_DETAILS = {
  'no-counted-trial': { en: 'no counted trial finished', zh: '没有一次计入的试验跑完' },
  'needs-cores': { en: 'needs at least {need} CPU cores; this machine has {have}', zh: '需要至少 {need} 个 CPU 核心，这台机器只有 {have} 个' },
  'needs-procfs': { en: 'needs /proc to observe process states, which this platform does not have', zh: '需要 /proc 来观察进程状态，这个平台没有' },
  'needs-platform': { en: 'needs {platform}; this is {os}', zh: '需要 {platform}，这里是 {os}' },
  'needs-runtime': { en: 'describes the {runtime} runtime; this run ran on {ran}', zh: '说的是 {runtime} 运行时，这次运行用的是 {ran}' },
  'needs-cpython-module': { en: 'describes CPython with {module}; this run ran on {ran}', zh: '说的是带 {module} 的 CPython，这次运行用的是 {ran}' },
  'needs-python-module': { en: 'needs {module}, which {path} cannot import', zh: '需要 {module}，但 {path} 无法导入它' },
  'needs-gil': { en: 'describes an interpreter with a GIL; this interpreter runs without the GIL', zh: '说的是有 GIL 的解释器，而这个解释器运行时没有 GIL' },
  'needs-no-gil': { en: 'describes an interpreter without a GIL; this interpreter runs with the GIL', zh: '说的是没有 GIL 的解释器，而这个解释器运行时带着 GIL' },
  'needs-gil-runtime': { en: 'describes an interpreter with a GIL; this run ran on {ran}, which has no GIL to report', zh: '说的是有 GIL 的解释器，这次运行用的是 {ran}，它没有 GIL 可言' },
  'needs-no-gil-runtime': { en: 'describes an interpreter without a GIL; this run ran on {ran}, which has no GIL to report', zh: '说的是没有 GIL 的解释器，这次运行用的是 {ran}，它没有 GIL 可言' },
  'trial-ended': { en: 'the trial ended {status}, so the claim cannot be judged', zh: '试验以“{status}”结束，所以无法判断这条论断' },
  'trial-ended-error': { en: 'the trial ended {status} ({error}), so the claim cannot be judged', zh: '试验以“{status}”结束（{error}），所以无法判断这条论断' },
  'given-not-met': { en: 'this run cannot decide it: {detail}', zh: '这次运行无法判断它：{detail}' },
  'record-no-values': { en: 'record {name} has no values', zh: '记录 {name} 没有任何值' },
  'record-not-a-number': { en: 'record {name} holds {value}, not a number', zh: '记录 {name} 的值是 {value}，不是数字' },
  'group-no-values': { en: '{field} of {group} has no values', zh: '{group} 的 {field} 没有任何值' },
  'group-not-a-number': { en: '{field} of {group} holds {value}, not a number', zh: '{group} 的 {field} 的值是 {value}，不是数字' },
  'not-an-array': { en: '{name} is not an array', zh: '{name} 不是数组' },
  'metric-missing': { en: 'metric {metric} was not measured', zh: '没有测到指标 {metric}' },
  'no-actor': { en: 'no actor {actor} in this trial', zh: '这次试验里没有参与者 {actor}' },
  'no-event': { en: 'no {op} event was recorded', zh: '没有记录到 {op} 事件' },
  'no-event-of': { en: 'no {op} event of {actor} was recorded', zh: '没有记录到 {actor} 的 {op} 事件' },
  'cannot-order': { en: 'cannot order {a} and {b}', zh: '{a} 和 {b} 无法比较大小' },
  'before-needs-times': { en: 'before compares two event times', zh: '“先于”比较的必须是两个事件时间' },
  'scaled-not-a-number': { en: '{what} is {value}, not a number', zh: '{what} 的值是 {value}，不是数字' },
} as const satisfies Record<string, Wording>;

export type ClaimDetailCode = keyof typeof CLAIM_DETAILS;

/** A trial's error and the run's warnings, as the engine writes them. */
export const RUN_MESSAGES = {
  'waiting-hello': { en: 'its hello', zh: '它的问候' },
  'waiting-line': { en: 'a line of the running trial', zh: '正在运行的试验的下一行输出' },
  'waiting-exit': { en: 'its exit after the result', zh: '它在给出结果后退出' },
  'wall-time': { en: 'the trial exceeded its wall-time limit of {ms} ms', zh: '试验超过了墙钟时间上限 {ms} 毫秒' },
  cancelled: { en: 'cancelled by the user', zh: '已被用户取消' },
  'stopped-by-runner': { en: 'stopped by the runner', zh: '被运行器停止' },
  'start-failed': { en: 'could not start {actor}: {error}', zh: '无法启动 {actor}：{error}' },
  'server-start-failed': { en: 'server {server} could not start: {error}', zh: '服务器 {server} 无法启动：{error}' },
  'callback-failed': { en: 'callback {callback} for {id} failed: {error}', zh: '{id} 的回调 {callback} 出错：{error}' },
  'exited-early': { en: '{actor} exited before finishing its program (code {code}, signal {signal})', zh: '{actor} 在程序跑完之前就退出了（退出码 {code}，信号 {signal}）' },
  'byte-limit': { en: 'actor {actor} exceeded limits.{limit} ({value}) {where}', zh: '参与者 {actor} 超出了 limits.{limit}（{value}）：{where}' },
  'where-queue': { en: 'on queue {queue}', zh: '发生在队列 {queue} 上' },
  'where-write': { en: 'writing {name}', zh: '发生在写入 {name} 时' },
  'where-pool-submit': { en: 'submitting to pool {pool}', zh: '发生在向池 {pool} 提交任务时' },
  'where-pool-map': { en: 'mapping on pool {pool}', zh: '发生在池 {pool} 上批量提交（map）时' },
  'where-pool-result': { en: 'returning a result to pool {pool}', zh: '发生在向池 {pool} 交回结果时' },
  'where-event-batch': { en: 'with a batch of {size} after {held} of events in this trial', zh: '一批事件 {size}，而这次试验此前已有 {held} 的事件' },
  'where-record-batch': { en: 'with records of {size} after {held} recorded in this trial', zh: '一批记录 {size}，而这次试验此前已记录了 {held}' },
  'where-one-record': { en: 'with one record larger than that', zh: '单条记录就超过了这个上限' },
  'where-one-event': { en: 'with one {op} event larger than that', zh: '单个 {op} 事件就超过了这个上限' },
  'where-one-value': { en: '{where} with one value larger than that', zh: '{where}，单个值就超过了这个上限' },
  'where-building': { en: 'building {what} at {at}', zh: '发生在 {at} 构造 {what} 时' },
  'cpython-start-failed': { en: 'could not start CPython ({path}): {error}', zh: '无法启动 CPython（{path}）：{error}' },
  'cpython-silent': {
    en: 'CPython stopped responding: no output for {ms} ms while waiting for {waitingFor}; it was killed',
    zh: 'CPython 没有响应：在等待{waitingFor}时 {ms} 毫秒没有任何输出，已将它结束',
  },
  'cpython-silent-stderr': {
    en: 'CPython stopped responding: no output for {ms} ms while waiting for {waitingFor}; it was killed (stderr: {stderr})',
    zh: 'CPython 没有响应：在等待{waitingFor}时 {ms} 毫秒没有任何输出，已将它结束（stderr：{stderr}）',
  },
  'cpython-exited': { en: "CPython exited before reporting the trial's result (exit code {code}, signal {signal})", zh: 'CPython 在报告试验结果之前就退出了（退出码 {code}，信号 {signal}）' },
  'cpython-exited-stderr': { en: "CPython exited before reporting the trial's result (exit code {code}, signal {signal}): {stderr}", zh: 'CPython 在报告试验结果之前就退出了（退出码 {code}，信号 {signal}）：{stderr}' },
  'cpython-long-line': { en: 'CPython sent a line longer than {bytes} bytes', zh: 'CPython 发来的一行超过了 {bytes} 字节' },
  'cpython-refused': { en: 'CPython refused the spec: {error}', zh: 'CPython 拒绝了这份规格：{error}' },
  'actor-failed': { en: '{actor} failed: {error}', zh: '{actor} 出错：{error}' },
  'unknown-error': { en: 'unknown error', zh: '未知错误' },
  deadlock: { en: 'deadlock: {cycle}', zh: '死锁：{cycle}' },
  'deadlock-edge': { en: '{actor} waits for {lock} held by {holder}', zh: '{actor} 在等待 {holder} 持有的 {lock}' },
  'utility-substitution': {
    en: 'Electron utilityProcess exists only inside the Electron app; outside it the engine forks a child process instead',
    zh: 'Electron 的 utilityProcess 只在 Electron 应用里才有；在应用之外，引擎改为派生一个子进程',
  },
  'cpython-utility-substitution': {
    en: 'CPython has no utility process (an Electron API); on the cpython runtime a utility actor runs as a multiprocessing.Process, like a process actor',
    zh: 'CPython 没有 utility 进程（那是 Electron 的 API）；在 cpython 运行时上，utility 参与者像 process 参与者一样以 multiprocessing.Process 运行',
  },
  'warmup-slow': {
    en: 'The first counted trial was {factor}× slower than the median of the others ({first} vs {median}). Caches, JIT compilation or lazy loading were probably still cold: consider running with --warmup 1 (or more) so warm-up trials absorb it.',
    zh: '第一次计入的试验比其余试验的中位数慢了 {factor} 倍（{first}，对比 {median}）。缓存、JIT 编译或延迟加载大概还没“热”起来：可以加上 --warmup 1（或更多），让预热试验把这段开销吸收掉。',
  },
  'events-lost': { en: 'trial {trial}: {count} trace events lost when actors were stopped: {who}', zh: '试验 {trial}：停止参与者时丢失了 {count} 个跟踪事件：{who}' },
  'events-dropped-bytes': { en: 'trial {trial}: {count} trace events not recorded: the trial went over a byte limit', zh: '试验 {trial}：有 {count} 个跟踪事件没有记录，因为试验超出了字节上限' },
  'events-dropped-limit': { en: 'trial {trial}: {count} trace events not recorded: the event limit was reached (raise limits.maxEvents)', zh: '试验 {trial}：有 {count} 个跟踪事件没有记录，因为达到了事件数上限（可调高 limits.maxEvents）' },
  'trace-not-kept': { en: 'the trace was not kept ({events} events): this run stores its records and metrics only, so it has no timeline', zh: '没有保存跟踪（共 {events} 个事件）：这次运行只保存了记录和指标，所以没有时间线' },
} as const satisfies Record<string, Wording>;

export type RunMessageCode = keyof typeof RUN_MESSAGES;

/** Values that are themselves a coded message (an actor's error inside a trial's error): worded in turn when they read as one. */
const NESTED = new Set(['error', 'detail', 'where', 'waitingFor']);

function fill(template: string, params: WordingParams, lang: WordingLang, nested: boolean): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!Object.hasOwn(params, name)) return whole;
    const value = String(params[name]);
    return nested && NESTED.has(name) ? wordRunText(value, lang) : value;
  });
}

/** The English text of a run message (what the engine records). */
export function runMessage(code: RunMessageCode, params: WordingParams = {}): string {
  return fill(RUN_MESSAGES[code].en, params, 'en', false);
}

/** The English text of a claim detail (what the engine records beside its code). */
export function claimDetailText(code: ClaimDetailCode, params: WordingParams = {}): string {
  return fill(CLAIM_DETAILS[code].en, params, 'en', false);
}

/** Values that may hold spaces (free text); every other value is one word (a name, a number). */
const FREE_TEXT = new Set(['error', 'where', 'detail', 'cycle', 'who', 'first', 'median', 'value', 'what', 'os', 'path', 'a', 'b', 'size', 'held', 'at', 'stderr', 'waitingFor']);

interface Reader {
  readonly code: string;
  readonly names: readonly string[];
  readonly pattern: RegExp;
  readonly literal: number;
}

function readers(table: Readonly<Record<string, Wording>>): Reader[] {
  return Object.entries(table)
    .map(([code, wording]) => {
      const names: string[] = [];
      const source = wording.en
        .split(/(\{\w+\})/)
        .map((part) => {
          const name = /^\{(\w+)\}$/.exec(part)?.[1];
          if (name === undefined) return escapeRegExp(part);
          names.push(name);
          return FREE_TEXT.has(name) ? '([\\s\\S]+?)' : '(\\S+?)';
        })
        .join('');
      return { code, names, pattern: new RegExp(`^${source}$`), literal: wording.en.replace(/\{\w+\}/g, '').length };
    })
    .sort((a, b) => b.literal - a.literal); // the most specific sentence first: "callback … failed: …" before "… failed: …"
}

const RUN_READERS = readers(RUN_MESSAGES);
const CLAIM_READERS = readers(CLAIM_DETAILS);

/** A recorded English text's code and values, found again from the table; null for a text not in it. */
export function readCoded(text: string, table: 'run' | 'claim' = 'run'): { code: string; params: Record<string, string> } | null {
  for (const reader of table === 'run' ? RUN_READERS : CLAIM_READERS) {
    const match = reader.pattern.exec(text);
    if (!match) continue;
    const params: Record<string, string> = {};
    reader.names.forEach((name, i) => (params[name] = match[i + 1]!));
    return { code: reader.code, params };
  }
  return null;
}

/** A deadlock's sentence in the given language, from its edges. */
function deadlockSentence(cycle: string, lang: WordingLang): string {
  const edges = cycle.split('; ').map((edge) => {
    const read = readCoded(edge);
    return read?.code === 'deadlock-edge' ? fill(RUN_MESSAGES['deadlock-edge'][lang], read.params, lang, false) : edge;
  });
  return fill(RUN_MESSAGES.deadlock[lang], { cycle: edges.join(lang === 'zh' ? '；' : '; ') }, lang, false);
}

/**
 * A run error or warning in the given language. A text the table knows is worded from its code and
 * values (an actor's error inside it in turn); anything else (an actor's own message) is kept as it is.
 */
export function wordRunText(text: string, lang: WordingLang): string {
  if (lang === 'en') return text;
  const read = readCoded(text);
  if (!read) return text;
  if (read.code === 'deadlock') return deadlockSentence(read.params['cycle'] ?? '', lang);
  return fill(RUN_MESSAGES[read.code as RunMessageCode].zh, read.params, lang, true);
}

/** A claim detail in the given language from its code and values; `fallback` (the English) for an unknown code. */
export function wordClaimDetail(code: string, params: WordingParams, lang: WordingLang, fallback: string): string {
  if (!Object.hasOwn(CLAIM_DETAILS, code)) return fallback;
  const template = CLAIM_DETAILS[code as ClaimDetailCode][lang];
  const status = params['status'];
  if (typeof status === 'string' && Object.hasOwn(STATUS_WORDS, status)) params = { ...params, status: STATUS_WORDS[status]![lang] };
  if (typeof params['what'] === 'string') params = { ...params, what: wordLabel(params['what'], lang) };
  if (code === 'given-not-met' || code === 'trial-ended-error') {
    // The inner verdict (given-not-met) or the trial's error (trial-ended-error) is worded in turn.
    const inner = typeof params['innerCode'] === 'string' ? wordClaimDetail(params['innerCode'], innerParams(params), lang, String(params['detail'] ?? '')) : String(params['detail'] ?? '');
    return fill(template, { ...params, detail: inner, ...(params['error'] !== undefined ? { error: wordRunText(String(params['error']), lang) } : {}) }, lang, false);
  }
  return fill(template, params, lang, false);
}

/** The values of a wrapped detail's inner code, stored with an `inner.` prefix. */
export function innerParams(params: WordingParams): Record<string, string | number> {
  return Object.fromEntries(Object.entries(params).flatMap(([key, value]) => (key.startsWith('inner.') ? [[key.slice(6), value]] : [])));
}

/** A trial status in words (as the UI names it). */
export const STATUS_WORDS: Readonly<Record<string, Wording>> = {
  ok: { en: 'ok', zh: '正常' },
  failed: { en: 'failed', zh: '失败' },
  'timed-out': { en: 'timed out', zh: '超时' },
  deadlocked: { en: 'deadlocked', zh: '死锁' },
  cancelled: { en: 'cancelled', zh: '已取消' },
  running: { en: 'running', zh: '运行中' },
  interrupted: { en: 'interrupted', zh: '已中断' },
};

const AGG_ZH: Readonly<Record<string, string>> = { first: '第一个值', last: '最后一个值', min: '最小值', max: '最大值', sum: '总和', count: '个数', distinct: '不同值的个数', all: '全部值' };
const AGG = '(first|last|min|max|sum|count|distinct|all)';
const NAME = '([^\\s()]+)';

/** An event selection as a reader names it ("lock.acquire.E a of worker-1"), its actor first in Chinese. */
function eventsZh(events: string): string {
  const match = /^(\S+?)( \S+?)?( of (\S+))?$/.exec(events);
  if (!match) return events;
  return `${match[4] ? `${match[4]} 的 ` : ''}${match[1]}${match[2] ?? ''}`;
}

/**
 * A quantity's name (as the engine's describe() writes it: "final counter", "waits (sum)", "number of
 * acquire of w") in the given language; the claim's own names (records, metrics, actors) stay as written.
 */
export function wordLabel(label: string, lang: WordingLang): string {
  if (lang === 'en') return label;
  let m: RegExpExecArray | null;
  if (label === 'trial status') return '试验状态';
  if ((m = new RegExp(`^final ${NAME}$`).exec(label))) return `${m[1]!} 的最终值`;
  if ((m = new RegExp(`^runner (pid|threadId|cpuCount)$`).exec(label))) return `运行器的 ${m[1]!}`;
  if ((m = new RegExp(`^${NAME} \\(${AGG} of ${NAME}\\)$`).exec(label))) return `${m[1]!}（${m[3]!} 的${AGG_ZH[m[2]!]!}）`;
  if ((m = new RegExp(`^${NAME} of ${NAME} \\(${AGG}\\)$`).exec(label))) return `${m[2]!} 的 ${m[1]!}（${AGG_ZH[m[3]!]!}）`;
  if ((m = new RegExp(`^${NAME} \\(${AGG}\\)$`).exec(label))) return `${m[1]!}（${AGG_ZH[m[2]!]!}）`;
  if ((m = /^number of (.+)$/.exec(label))) return `${eventsZh(m[1]!)} 的次数`;
  if ((m = /^(first|last) (.+)$/.exec(label))) return `${m[1] === 'first' ? '第一次' : '最后一次'} ${eventsZh(m[2]!)}`;
  if ((m = new RegExp(`^(pid|ppid|threadId|exit|startedMs|endedMs|spawnLatencyMs) of ${NAME}$`).exec(label))) return `${m[2]!} 的 ${m[1]!}`;
  return label;
}

/** A term with its own value in the given language: the quantity's name worded, the claim's own names kept as written. */
function termText(term: EvidenceTerm, lang: WordingLang): string {
  const shown = typeof term.value === 'string' && !term.constant ? JSON.stringify(term.value) : formatEvidenceValue(term.value);
  if (term.constant) return typeof term.value === 'string' ? JSON.stringify(term.value) : shown;
  return `${wordLabel(term.label, lang)} ${shown}`;
}

/** One comparison in the given language (English reads as phraseComparison). */
export function wordComparison(c: EvidenceComparison, lang: WordingLang): string {
  const left = termText(c.left, lang);
  if (c.op === 'before') {
    const at = (term: EvidenceTerm): string => `${wordLabel(term.label, lang)} ${lang === 'zh' ? '于' : 'at'} ${formatEvidenceValue(term.value)} ms`;
    if (lang === 'en') return `${at(c.left)} ${c.holds ? 'comes before' : 'does not come before'} ${at(c.right)}`;
    return `${at(c.left)} ${c.holds ? '早于' : '并不早于'} ${at(c.right)}`;
  }
  let right = termText(c.right, lang);
  if (c.factor !== undefined || c.plus !== undefined) {
    const factor = c.factor ?? 1;
    const plus = c.plus ?? 0;
    right = `${factor === 1 ? '' : `${String(factor)} × `}${right}${plus === 0 ? '' : ` ${plus < 0 ? '−' : '+'} ${String(Math.abs(plus))}`} = ${formatEvidenceValue(c.product ?? null)}`;
  }
  const not = c.holds ? '' : lang === 'zh' ? '不满足 ' : 'is not ';
  return `${left} ${not}${opSymbol(c.op)} ${right}`;
}

/** What a verdict needs to be worded: its status, comparisons and, when it has no comparison to show, its code. */
export interface WordableVerdict {
  readonly detail: string;
  readonly detailCode?: string | undefined;
  readonly detailParams?: WordingParams | undefined;
  readonly comparisons?: readonly EvidenceComparison[] | undefined;
}

/**
 * A trial's verdict in the given language: its code when it has one (why it could not be judged), else its
 * comparisons (each says whether it held), else the recorded English (old runs).
 */
export function wordVerdict(verdict: WordableVerdict, lang: WordingLang): string {
  if (lang === 'en') return verdict.detail;
  const comparisons = verdict.comparisons ?? [];
  const worded = comparisons.map((c) => wordComparison(c, lang)).join('；');
  if (verdict.detailCode === 'given-not-met' && verdict.detailParams?.['innerCode'] === undefined && worded) {
    return fill(CLAIM_DETAILS['given-not-met'][lang], { detail: worded }, lang, false);
  }
  if (verdict.detailCode) return wordClaimDetail(verdict.detailCode, verdict.detailParams ?? {}, lang, verdict.detail);
  if (worded) return worded;
  const read = readCoded(verdict.detail, 'claim');
  return read ? wordClaimDetail(read.code, read.params, lang, verdict.detail) : verdict.detail;
}

/** A claim's verdict (the deciding trial's) in the given language, "trial N: " first when the run had several. */
export function wordClaimResult(
  claim: { readonly status: string; readonly detail: string; readonly detailCode?: string | undefined; readonly detailParams?: WordingParams | undefined; readonly trials?: readonly (WordableVerdict & { readonly trial: number; readonly status: string })[] | undefined },
  lang: WordingLang,
): string {
  if (lang === 'en') return claim.detail;
  const trials = claim.trials ?? [];
  if (trials.length === 0) return wordVerdict(claim, lang);
  const chosen = trials.find((t) => t.status === 'fails') ?? trials.find((t) => t.status === 'inconclusive') ?? trials[trials.length - 1]!;
  if (chosen.status !== claim.status) return wordVerdict(claim, lang);
  const text = wordVerdict(chosen, lang);
  return trials.length > 1 ? `试验 ${chosen.trial}：${text}` : text;
}
