import type { LabPack, PackLesson, PackQuestion } from '../model/lab-pack';
import type { Measure, QuestionSource } from '../model/questions';
import type { LessonText } from '../model/lesson';
import type { LocalizedText } from '../model/run-model';
import { condText, programLines, type PythonContext, type StepLike } from '../model/program-text';

/**
 * A printable handout of a lesson or a lab pack: one self-contained HTML file (no script, nothing loaded
 * from elsewhere) with print CSS for A4 or US Letter. Each lesson starts on a new page with its text, its
 * parameters, the Python program, the questions with room to answer and the claims to check. The answer
 * key is the same handout marked as the instructor's copy, with where each answer comes from in place of
 * the blank space. One language at a time: the lesson's own texts and the handout's labels in it.
 *
 * Pack texts, composed specs and their names come from other people: every string is escaped, and the
 * program printed is capped in lines and characters.
 */

export type HandoutLang = 'zh-CN' | 'en';
export type HandoutPaper = 'a4' | 'letter';
export const HANDOUT_LANGS: readonly HandoutLang[] = ['zh-CN', 'en'];
export const HANDOUT_PAPERS: readonly HandoutPaper[] = ['a4', 'letter'];

/** What the handout reads of a lesson: a built-in Lesson fits, and so does a pack's composed spec with its title. */
export interface HandoutLessonSource {
  readonly id: string;
  readonly title: LocalizedText;
  readonly text?: LessonText;
  /** The authored spec (read leniently: its parameters, claims and description). */
  readonly spec: unknown;
}

export interface HandoutLesson {
  readonly lesson: HandoutLessonSource;
  readonly questions: readonly PackQuestion[];
  /** The Python program printed for the lesson. */
  readonly program: string;
  /** The program is the step-by-step sketch of each actor rather than a complete program: said above it. */
  readonly programIsSketch?: boolean;
  /** The pack's entry for this lesson: its instructions and the parameters it fixes or leaves open. */
  readonly entry?: Pick<PackLesson, 'id' | 'instructions' | 'fixed' | 'open'>;
}

export interface HandoutOptions {
  readonly lessons: readonly HandoutLesson[];
  readonly pack?: Pick<LabPack, 'id' | 'title' | 'instructions' | 'author'>;
  readonly lang: HandoutLang;
  readonly paper: HandoutPaper;
  /** The instructor's copy: answers' sources and the claims' checks in place of the blank space. */
  readonly answerKey: boolean;
}

/** A program longer than this is cut, with a line saying how much was left out. */
export const HANDOUT_PROGRAM_MAX_LINES = 2_000;
export const HANDOUT_PROGRAM_MAX_CHARS = 200_000;

type TextLang = 'en' | 'zh';

interface Labels {
  /** The colon after a label: ':' in English, the full-width '：' in Chinese. */
  readonly colon: string;
  readonly handout: string;
  readonly answerKey: string;
  readonly instructorCopy: string;
  readonly name: string;
  readonly className: string;
  readonly date: string;
  readonly author: string;
  readonly lesson: string;
  readonly teaches: string;
  readonly watch: string;
  readonly pythonVsNode: string;
  readonly tryNext: string;
  readonly description: string;
  readonly instructions: string;
  readonly parameters: string;
  readonly parameter: string;
  readonly value: string;
  readonly fixed: string;
  readonly open: string;
  readonly byDefault: string;
  readonly program: string;
  readonly programNote: string;
  readonly sketchNote: string;
  readonly cut: (lines: number) => string;
  readonly questions: string;
  readonly noQuestions: string;
  readonly yourAnswer: string;
  readonly reasoning: string;
  readonly unit: string;
  readonly range: (min: string, max: string) => string;
  readonly claims: string;
  readonly claimsIntro: string;
  readonly noClaims: string;
  readonly holds: string;
  readonly fails: string;
  readonly inconclusive: string;
  readonly evidence: string;
  readonly checks: string;
  readonly onlyWhen: string;
  readonly decidableWhen: string;
  readonly requires: string;
  readonly statuses: string;
  readonly answerFrom: (quantity: string) => string;
  readonly notScored: string;
  readonly firstChoiceHolding: string;
  readonly noCondition: string;
  readonly tolerance: (text: string) => string;
  readonly exactValue: string;
  readonly expected: string;
  readonly perTrial: string;
  readonly and: string;
  readonly or: string;
  readonly not: string;
  readonly before: string;
}

const LABELS: Readonly<Record<TextLang, Labels>> = {
  en: {
    colon: ':',
    handout: 'Handout',
    answerKey: 'Answer key',
    instructorCopy: "Instructor's copy: answer key. Do not hand out.",
    name: 'Name',
    className: 'Class',
    date: 'Date',
    author: 'By',
    lesson: 'Lesson',
    teaches: 'What it teaches',
    watch: 'What to watch',
    pythonVsNode: 'Python and Node',
    tryNext: 'Try next',
    description: 'About this experiment',
    instructions: 'Instructions',
    parameters: 'Parameters',
    parameter: 'parameter',
    value: 'value',
    fixed: 'fixed by the instructor',
    open: 'yours to choose',
    byDefault: 'default',
    program: 'The program in Python',
    programNote: 'The experiment written as a Python program.',
    sketchNote: "Each actor's steps rendered in Python, one line per step: a sketch to read beside the timeline, not a complete program to run.",
    cut: (lines) => `… ${lines} more lines not printed`,
    questions: 'Questions: answer before you run',
    noQuestions: 'No questions for this lesson.',
    yourAnswer: 'Your answer',
    reasoning: 'Why?',
    unit: 'unit',
    range: (min, max) => `between ${min} and ${max}`,
    claims: 'Claims to check',
    claimsIntro: 'After the run, mark what the lab found for each claim and note the numbers that show it.',
    noClaims: 'This lesson states no claims.',
    holds: 'holds',
    fails: 'fails',
    inconclusive: 'inconclusive',
    evidence: 'Evidence',
    checks: 'Checks, in every counted trial',
    onlyWhen: 'Only checked when',
    decidableWhen: 'Decidable only when',
    requires: 'Requires',
    statuses: 'Also evaluated when the run ended',
    answerFrom: (quantity) => `Scored from the run: ${quantity} (median over the counted trials).`,
    notScored: 'Not scored from the run: discuss the answers.',
    firstChoiceHolding: 'The right choice is the first whose condition (beside each choice) holds for that value.',
    noCondition: 'no condition',
    tolerance: (text) => `Accepted within ${text} of the measured value.`,
    exactValue: 'Accepted only when equal to the measured value.',
    expected: 'Expected reasoning',
    perTrial: 'per trial',
    and: 'and',
    or: 'or',
    not: 'not',
    before: 'happens before',
  },
  zh: {
    colon: '：',
    handout: '讲义',
    answerKey: '答案卷',
    instructorCopy: '教师用卷：含答案，请勿发给学生。',
    name: '姓名',
    className: '班级',
    date: '日期',
    author: '作者',
    lesson: '课程',
    teaches: '本课讲什么',
    watch: '观察要点',
    pythonVsNode: 'Python 与 Node',
    tryNext: '接下来试试',
    description: '关于这个实验',
    instructions: '说明',
    parameters: '参数',
    parameter: '参数',
    value: '取值',
    fixed: '由老师固定',
    open: '由你选择',
    byDefault: '默认',
    program: '用 Python 写出的程序',
    programNote: '这个实验写成的 Python 程序。',
    sketchNote: '把每个参与者的步骤逐行写成 Python：对照时间线阅读的示意，不是可以直接运行的完整程序。',
    cut: (lines) => `…… 还有 ${lines} 行未打印`,
    questions: '问题：运行之前先作答',
    noQuestions: '本课没有问题。',
    yourAnswer: '你的答案',
    reasoning: '理由',
    unit: '单位',
    range: (min, max) => `介于 ${min} 与 ${max} 之间`,
    claims: '要核对的论断',
    claimsIntro: '运行之后，为每条论断标出实验的结论，并写下支持它的数字。',
    noClaims: '本课没有给出论断。',
    holds: '成立',
    fails: '不成立',
    inconclusive: '无法判断',
    evidence: '依据',
    checks: '检查内容（每次计数试验）',
    onlyWhen: '仅在以下条件下检查',
    decidableWhen: '仅在以下条件下可以判断',
    requires: '需要',
    statuses: '运行以这些状态结束时也会检查',
    answerFrom: (quantity) => `由运行结果评分：${quantity}（各次计数试验的中位数）。`,
    notScored: '不由运行结果评分：请讨论答案。',
    firstChoiceHolding: '正确选项是第一个对该数值成立的选项（条件写在各选项旁）。',
    noCondition: '无条件',
    tolerance: (text) => `与实测值相差不超过 ${text} 即算正确。`,
    exactValue: '只有与实测值相等才算正确。',
    expected: '预期的推理',
    perTrial: '每次试验',
    and: '并且',
    or: '或者',
    not: '并非',
    before: '早于',
  },
};

// ------------------------------------------------------------------ text helpers

function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A spec text (a plain string, or {en, zh}) in one language; anything else reads as empty. */
function specText(value: unknown, lang: TextLang): string {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value[lang] === 'string') return value[lang];
  return '';
}

function own(record: unknown, key: string): unknown {
  return isRecord(record) && Object.hasOwn(record, key) ? record[key] : undefined;
}

function numberText(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

function valueText(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value)?.slice(0, 200) ?? '';
}

// ------------------------------------------------------------------ the program: a sketch until a full program is given

/** A spec's parameter defaults, overridden by the values given (a pack's fixed parameters); own keys only. */
export function parameterValues(spec: unknown, given: Readonly<Record<string, unknown>> = {}): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const params = own(spec, 'params');
  if (isRecord(params)) for (const [name, def] of Object.entries(params)) values.set(name, own(def, 'default'));
  for (const [name, value] of Object.entries(given)) if (values.has(name)) values.set(name, value);
  return values;
}

/**
 * The teaching rendering of each actor's program in Python (model/program-text.ts), after the parameters
 * as constants: what the handout prints until a complete Python program of the spec is given.
 */
export function pythonSketch(spec: unknown, given: Readonly<Record<string, unknown>> = {}): string {
  const lines: string[] = [];
  for (const [name, value] of parameterValues(spec, given)) lines.push(`${name.toUpperCase()} = ${pythonLiteral(value)}`);
  const shared: Record<string, string> = {};
  const sharedSpec = own(spec, 'shared');
  if (isRecord(sharedSpec)) for (const [name, entry] of Object.entries(sharedSpec)) shared[name] = typeof own(entry, 'scope') === 'string' ? (own(entry, 'scope') as string) : 'shared';
  const primitives: Record<string, string> = {};
  const primitiveSpec = own(spec, 'primitives');
  if (isRecord(primitiveSpec)) for (const [name, entry] of Object.entries(primitiveSpec)) if (typeof own(entry, 'type') === 'string') primitives[name] = own(entry, 'type') as string;
  lines.push(...declarations(spec));
  const actors = own(spec, 'actors');
  for (const actor of Array.isArray(actors) ? actors : []) {
    const name = own(actor, 'name');
    const program = own(actor, 'program');
    if (typeof name !== 'string' || !Array.isArray(program)) continue;
    const kind = typeof own(actor, 'kind') === 'string' ? (own(actor, 'kind') as string) : 'thread';
    const count = own(actor, 'count');
    const context: PythonContext = { kind, shared, primitives };
    const steps = program.filter((step): step is StepLike => isRecord(step) && typeof step.op === 'string');
    if (lines.length > 0) lines.push('');
    const times = count === undefined || count === 1 ? '' : `  # × ${pythonLiteral(constant(count))}`;
    lines.push(`# ${kind} ${name}${times}`);
    lines.push(`${kind === 'task' ? 'async def' : 'def'} ${name.replace(/[^A-Za-z0-9_]/g, '_')}():`);
    if (steps.length === 0) lines.push('    pass');
    for (const line of programLines(steps, 'python', context)) lines.push(`${'    '.repeat(line.depth + 1)}${line.text}`);
    if (lines.length > HANDOUT_PROGRAM_MAX_LINES) break;
  }
  return lines.join('\n');
}

const PRIMITIVE_CLASSES: Readonly<Record<string, string>> = {
  mutex: 'threading.Lock()',
  rlock: 'threading.RLock()',
  semaphore: 'threading.Semaphore',
  'bounded-semaphore': 'threading.BoundedSemaphore',
  event: 'threading.Event()',
  condition: 'threading.Condition()',
  barrier: 'threading.Barrier',
};
const QUEUE_CLASSES: Readonly<Record<string, string>> = { fifo: 'queue.Queue', lifo: 'queue.LifoQueue', priority: 'queue.PriorityQueue' };

/** The spec's shared variables, primitives and queues as Python assignments (the threading spelling). */
function declarations(spec: unknown): string[] {
  const lines: string[] = [];
  const section = (key: string): [string, unknown][] => {
    const value = own(spec, key);
    return isRecord(value) ? Object.entries(value) : [];
  };
  for (const [name, entry] of section('shared')) {
    const scope = own(entry, 'scope');
    lines.push(`${name} = ${pythonLiteral(constant(own(entry, 'initial')))}${scope === 'shared' ? '' : `  # ${String(scope)}`}`);
  }
  for (const [name, entry] of section('primitives')) {
    const type = own(entry, 'type');
    const made = typeof type === 'string' && Object.hasOwn(PRIMITIVE_CLASSES, type) ? PRIMITIVE_CLASSES[type]! : `# ${String(type)}`;
    const argument = own(entry, 'value') ?? own(entry, 'parties');
    lines.push(made.endsWith(')') || made.startsWith('#') ? `${name} = ${made}` : `${name} = ${made}(${pythonLiteral(constant(argument))})`);
  }
  for (const [name, entry] of section('queues')) {
    const order = own(entry, 'order');
    const maxsize = own(entry, 'maxsize');
    const made = typeof order === 'string' && Object.hasOwn(QUEUE_CLASSES, order) ? QUEUE_CLASSES[order]! : 'queue.Queue';
    lines.push(`${name} = ${made}(${maxsize === undefined ? '' : pythonLiteral(constant(maxsize))})`);
  }
  return lines.length > 0 ? ['', ...lines] : [];
}

/** A name printed as it is (a parameter's constant), not as a string. */
interface PythonName {
  readonly pythonName: string;
}

/** A parameter reference as the constant that names it; any other value as it is. */
function constant(value: unknown): unknown {
  return isRecord(value) && typeof value.param === 'string' ? ({ pythonName: value.param.toUpperCase() } satisfies PythonName) : value;
}

function pythonLiteral(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null || value === undefined) return 'None';
  if (isRecord(value) && typeof value.pythonName === 'string') return value.pythonName;
  if (Array.isArray(value)) return `[${value.slice(0, 8).map(pythonLiteral).join(', ')}${value.length > 8 ? ', …' : ''}]`;
  return valueText(value);
}

/** The program as printed: at most HANDOUT_PROGRAM_MAX_LINES lines and HANDOUT_PROGRAM_MAX_CHARS characters. */
function boundedProgram(program: string, labels: Labels): string {
  const clipped = program.length > HANDOUT_PROGRAM_MAX_CHARS ? program.slice(0, HANDOUT_PROGRAM_MAX_CHARS) : program;
  const lines = clipped.split('\n');
  const total = program.split('\n').length;
  const kept = lines.slice(0, HANDOUT_PROGRAM_MAX_LINES);
  return kept.length < total ? `${kept.join('\n')}\n${labels.cut(total - kept.length)}` : kept.join('\n');
}

// ------------------------------------------------------------------ claims: what each checks

function quantityText(quantity: unknown): string {
  if (!isRecord(quantity)) return '?';
  if (Object.hasOwn(quantity, 'const')) return valueText(quantity.const);
  if (typeof quantity.metric === 'string') return `metric ${quantity.metric}`;
  if (typeof quantity.record === 'string') {
    const agg = typeof quantity.agg === 'string' ? quantity.agg : 'last';
    return `${agg}(record ${quantity.record}${typeof quantity.actor === 'string' ? ` of ${quantity.actor}` : ''})`;
  }
  if (typeof quantity.shared === 'string') return `shared ${quantity.shared}${typeof quantity.index === 'number' ? `[${quantity.index}]` : ''}`;
  if (quantity.status === true) return 'status';
  if (typeof quantity.actor === 'string' && typeof quantity.field === 'string') return `${quantity.actor}.${quantity.field}`;
  if (typeof quantity.actors === 'string' && typeof quantity.field === 'string') return `${typeof quantity.agg === 'string' ? quantity.agg : 'all'}(${quantity.actors}.${quantity.field})`;
  if (isRecord(quantity.event)) {
    const e = quantity.event;
    const parts = [typeof e.op === 'string' ? e.op : '?', typeof e.ph === 'string' ? e.ph : '', typeof e.actor === 'string' ? `@${e.actor}` : '', typeof e.name === 'string' ? `"${e.name}"` : ''].filter((p) => p !== '');
    const pick = typeof quantity.pick === 'string' ? quantity.pick : 'first';
    return pick === 'count' ? `count(${parts.join(' ')} events)` : `time of ${pick} ${parts.join(' ')} event`;
  }
  if (typeof quantity.runner === 'string') return `runner.${quantity.runner}`;
  return JSON.stringify(quantity).slice(0, 120);
}

/** A claim's check as one line; bounded in depth (a spec's own limits bound its size). */
export function checkText(check: unknown, labels: Pick<Labels, 'and' | 'or' | 'not' | 'before'> = LABELS.en, depth = 0): string {
  if (depth > 16 || !isRecord(check)) return '…';
  const inner = (c: unknown): string => checkText(c, labels, depth + 1);
  if (Array.isArray(check.compare)) {
    const [left, op, right] = check.compare as unknown[];
    const factor = typeof check.factor === 'number' && check.factor !== 1 ? `${numberText(check.factor)} × ` : '';
    const plus = typeof check.plus === 'number' && check.plus !== 0 ? ` ${check.plus < 0 ? '−' : '+'} ${numberText(Math.abs(check.plus))}` : '';
    return `${quantityText(left)} ${String(op)} ${factor}${quantityText(right)}${plus}`;
  }
  if (Array.isArray(check.before)) {
    const [first, second] = check.before as unknown[];
    return `${quantityText(first)} ${labels.before} ${quantityText(second)}`;
  }
  if (Array.isArray(check.all)) return check.all.map((c) => `(${inner(c)})`).join(` ${labels.and} `);
  if (Array.isArray(check.any)) return check.any.map((c) => `(${inner(c)})`).join(` ${labels.or} `);
  if (Object.hasOwn(check, 'not')) return `${labels.not} (${inner(check.not)})`;
  return JSON.stringify(check).slice(0, 120);
}

interface ClaimView {
  readonly id: string;
  readonly text: string;
  readonly check: unknown;
  readonly when: unknown;
  readonly given: unknown;
  readonly requires: unknown;
  readonly statuses: unknown;
}

function specClaims(spec: unknown, lang: TextLang): ClaimView[] {
  const claims = own(spec, 'claims');
  if (!Array.isArray(claims)) return [];
  return claims.filter(isRecord).map((claim) => ({
    id: typeof claim.id === 'string' ? claim.id : '',
    text: specText(claim.text, lang),
    check: claim.check,
    when: claim.when,
    given: claim.given,
    requires: claim.requires,
    statuses: claim.statuses,
  }));
}

// ------------------------------------------------------------------ questions

function measureText(measure: Measure): string {
  if ('metric' in measure) return `metric ${measure.metric}`;
  if ('record' in measure) return measure.agg ? `${measure.agg}(record ${measure.record})` : `record ${measure.record}`;
  if ('shared' in measure) return `shared ${measure.shared}`;
  return `claim ${measure.claim} (1 holds, 0 fails)`;
}

/** Where a question's answer is read, as the answer key writes it. */
function sourceText(source: QuestionSource): string {
  if ('ratio' in source) return `${measureText(source.ratio[0])} ÷ ${measureText(source.ratio[1])}`;
  if ('difference' in source) return `${measureText(source.difference[0])} − ${measureText(source.difference[1])}`;
  return measureText(source);
}

/** The reasoning an author may give a question (`why`), read leniently: the question schema may or may not carry it. */
function questionWhy(question: PackQuestion, lang: TextLang): string {
  return specText(own(question, 'why'), lang);
}

function writingLines(count: number): string {
  return `<div class="lines" aria-hidden="true">${'<div class="line"></div>'.repeat(count)}</div>`;
}

function questionHtml(question: PackQuestion, index: number, lang: TextLang, labels: Labels, answerKey: boolean): string {
  const head = `<p class="q-text"><span class="q-number">${index + 1}.</span> ${esc(question.text[lang])}</p>`;
  let body: string;
  if (question.kind === 'choice') {
    const items = question.choices
      .map((choice) => {
        const condition = answerKey ? ` <span class="key-inline">${esc(choice.when ?? (choice.is !== undefined ? `= ${JSON.stringify(choice.is)}` : labels.noCondition))}</span>` : '';
        return `<li><span class="box" aria-hidden="true">☐</span> ${esc(choice.text[lang])}${condition}</li>`;
      })
      .join('');
    body = `<ul class="choices">${items}</ul>`;
  } else {
    const range = question.min !== undefined || question.max !== undefined ? `<span class="muted">(${esc(labels.range(question.min === undefined ? '−∞' : numberText(question.min), question.max === undefined ? '∞' : numberText(question.max)))})</span>` : '';
    body = `<div class="number-answer"><span class="label">${esc(labels.yourAnswer)}</span><span class="answer-box"></span>${question.unit ? `<span class="unit">${esc(question.unit)}</span>` : ''} ${range}</div>`;
  }
  if (!answerKey) return `<li class="question" data-question="${esc(question.id)}">${head}${body}<p class="label">${esc(labels.reasoning)}</p>${writingLines(3)}</li>`;

  const key: string[] = [];
  if (question.answerFrom) {
    key.push(esc(labels.answerFrom(sourceText(question.answerFrom))));
    if (question.kind === 'choice') key.push(esc(labels.firstChoiceHolding));
    else {
      const tolerance = question.tolerance;
      const parts = [tolerance?.absolute !== undefined ? `± ${numberText(tolerance.absolute)}${question.unit ? ` ${question.unit}` : ''}` : '', tolerance?.relative !== undefined ? `± ${numberText(tolerance.relative * 100)}%` : ''].filter((p) => p !== '');
      key.push(esc(parts.length > 0 ? labels.tolerance(parts.join(' / ')) : labels.exactValue));
    }
  } else key.push(esc(labels.notScored));
  const why = questionWhy(question, lang);
  if (why !== '') key.push(`<strong>${esc(labels.expected)}${labels.colon}</strong> ${esc(why)}`);
  return `<li class="question" data-question="${esc(question.id)}">${head}${body}<div class="key">${key.map((k) => `<p>${k}</p>`).join('')}</div></li>`;
}

function claimHtml(claim: ClaimView, labels: Labels, answerKey: boolean): string {
  const text = `<p class="claim-text">${esc(claim.text || claim.id)}</p>`;
  if (!answerKey) {
    const boxes = [labels.holds, labels.fails, labels.inconclusive].map((l) => `<span class="choice"><span class="box" aria-hidden="true">☐</span> ${esc(l)}</span>`).join('');
    return `<li class="claim">${text}<p class="verdict">${boxes}</p><p class="label">${esc(labels.evidence)}</p>${writingLines(2)}</li>`;
  }
  const rows = [`<p><strong>${esc(labels.checks)}${labels.colon}</strong> <code>${esc(checkText(claim.check, labels))}</code></p>`];
  if (claim.when !== undefined) rows.push(`<p><strong>${esc(labels.onlyWhen)}${labels.colon}</strong> <code>${esc(condText(claim.when, false))}</code></p>`);
  if (claim.given !== undefined) rows.push(`<p><strong>${esc(labels.decidableWhen)}${labels.colon}</strong> <code>${esc(checkText(claim.given, labels))}</code></p>`);
  if (isRecord(claim.requires) && Object.keys(claim.requires).length > 0) {
    rows.push(`<p><strong>${esc(labels.requires)}${labels.colon}</strong> ${esc(Object.entries(claim.requires).map(([k, v]) => `${k} = ${valueText(v)}`).join(', '))}</p>`);
  }
  if (Array.isArray(claim.statuses) && claim.statuses.length > 0) rows.push(`<p><strong>${esc(labels.statuses)}${labels.colon}</strong> ${esc(claim.statuses.map(String).join(', '))}</p>`);
  return `<li class="claim">${text}<div class="key">${rows.join('')}</div></li>`;
}

// ------------------------------------------------------------------ a lesson

function paramsHtml(item: HandoutLesson, lang: TextLang, labels: Labels): string {
  const fixed = item.entry?.fixed ?? {};
  const open = new Set(item.entry?.open ?? []);
  const params = own(item.lesson.spec, 'params');
  if (!isRecord(params) || Object.keys(params).length === 0) return '';
  const rows = Object.entries(params).map(([name, def]) => {
    const isFixed = Object.hasOwn(fixed, name);
    const value = isFixed ? fixed[name] : own(def, 'default');
    const note = isFixed ? labels.fixed : open.has(name) ? labels.open : labels.byDefault;
    const description = specText(own(def, 'description'), lang);
    return `<tr><td><code>${esc(name)}</code></td><td><code>${esc(valueText(value))}</code> <span class="muted">${esc(note)}</span></td><td>${esc(description)}</td></tr>`;
  });
  return `<h3>${esc(labels.parameters)}</h3><table class="params"><thead><tr><th>${esc(labels.parameter)}</th><th>${esc(labels.value)}</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function lessonHtml(item: HandoutLesson, index: number, options: HandoutOptions, lang: TextLang, labels: Labels): string {
  const { lesson } = item;
  const parts: string[] = [];
  if (options.answerKey) parts.push(`<p class="instructor-banner" role="note">${esc(labels.instructorCopy)}</p>`);
  // A lone lesson's title is the page's own heading.
  if (options.pack || options.lessons.length > 1) parts.push(`<h2>${esc(options.pack ? `${index + 1}. ` : '')}${esc(lesson.title[lang])}</h2>`);
  parts.push(`<p class="muted lesson-id">${esc(labels.lesson)}${labels.colon === ':' ? ': ' : labels.colon}<code>${esc(lesson.id)}</code>${item.entry && item.entry.id !== lesson.id ? ` · <code>${esc(item.entry.id)}</code>` : ''}</p>`);
  if (item.entry?.instructions) parts.push(`<h3>${esc(labels.instructions)}</h3><p class="text">${esc(item.entry.instructions[lang])}</p>`);
  if (lesson.text) {
    const sections: [string, LocalizedText][] = [
      [labels.teaches, lesson.text.teaches],
      [labels.watch, lesson.text.watch],
      [labels.pythonVsNode, lesson.text.pythonVsNode],
      [labels.tryNext, lesson.text.tryNext],
    ];
    for (const [heading, text] of sections) parts.push(`<h3>${esc(heading)}</h3><p class="text">${esc(text[lang])}</p>`);
  } else {
    const description = specText(own(lesson.spec, 'description'), lang);
    if (description !== '') parts.push(`<h3>${esc(labels.description)}</h3><p class="text">${esc(description)}</p>`);
  }
  parts.push(paramsHtml(item, lang, labels));
  parts.push(
    `<h3>${esc(labels.program)}</h3><p class="muted program-note">${esc(item.programIsSketch ? labels.sketchNote : labels.programNote)}</p>` +
      `<pre class="program" data-testid="handout-program"><code>${esc(boundedProgram(item.program, labels))}</code></pre>`,
  );
  parts.push(`<h3>${esc(labels.questions)}</h3>`);
  parts.push(item.questions.length === 0 ? `<p class="muted">${esc(labels.noQuestions)}</p>` : `<ol class="questions">${item.questions.map((q, i) => questionHtml(q, i, lang, labels, options.answerKey)).join('')}</ol>`);
  const claims = specClaims(lesson.spec, lang);
  parts.push(`<h3>${esc(labels.claims)}</h3>`);
  if (claims.length === 0) parts.push(`<p class="muted">${esc(labels.noClaims)}</p>`);
  else {
    if (!options.answerKey) parts.push(`<p class="muted">${esc(labels.claimsIntro)}</p>`);
    parts.push(`<ol class="claims">${claims.map((c) => claimHtml(c, labels, options.answerKey)).join('')}</ol>`);
  }
  return `<section class="lesson" data-lesson="${esc(lesson.id)}">${parts.join('\n')}</section>`;
}

// ------------------------------------------------------------------ the page

const PAGE_SIZE: Readonly<Record<HandoutPaper, string>> = { a4: 'A4', letter: 'Letter' };
/** Screen width of the sheet, to read it as it will print. */
const SHEET_WIDTH: Readonly<Record<HandoutPaper, string>> = { a4: '210mm', letter: '8.5in' };

function style(paper: HandoutPaper): string {
  return `@page{size:${PAGE_SIZE[paper]};margin:16mm 15mm 18mm}
*{box-sizing:border-box}
body{font:11pt/1.55 system-ui,-apple-system,'Segoe UI','Noto Sans','Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC','Hiragino Sans GB','WenQuanYi Micro Hei',sans-serif;color:#111;margin:0 auto;max-width:${SHEET_WIDTH[paper]};padding:12mm 15mm;background:#fff}
h1{font-size:18pt;margin:0 0 .3rem}h2{font-size:15pt;margin:0 0 .2rem;border-bottom:1.5pt solid #111;padding-bottom:.15rem}
h3{font-size:11.5pt;margin:1.1rem 0 .3rem;break-after:avoid}
p{margin:.3rem 0}.text{white-space:pre-line}.muted{color:#444}code{font-size:.92em}
code,pre{font-family:ui-monospace,'SFMono-Regular','DejaVu Sans Mono',Menlo,Consolas,'Noto Sans Mono CJK SC','Microsoft YaHei','PingFang SC','Hiragino Sans GB',monospace}
pre.program{white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;overflow:visible;font-size:9pt;line-height:1.4;border:.75pt solid #888;border-radius:3pt;padding:6pt 8pt;margin:.3rem 0;background:#f6f7f9;max-width:100%}
.student{display:flex;gap:8mm;margin:.6rem 0 1rem}.student span{flex:1;border-bottom:.75pt solid #111;padding-bottom:1mm}
table.params{border-collapse:collapse;width:100%;font-size:10pt}table.params th,table.params td{text-align:left;vertical-align:top;padding:2pt 6pt 2pt 0;border-bottom:.5pt solid #bbb}
ol.questions,ol.claims{padding-left:0;list-style:none;margin:0}
.question,.claim{break-inside:avoid;margin:0 0 5mm}
.q-number{font-weight:600}
ul.choices{list-style:none;padding-left:6mm;margin:.2rem 0}ul.choices li{margin:1.5mm 0}
.box{font-size:13pt;line-height:1;margin-right:1.5mm}
.number-answer{display:flex;align-items:flex-end;gap:3mm;margin:2mm 0 0 6mm}.answer-box{display:inline-block;width:45mm;height:10mm;border:.75pt solid #111;border-radius:2pt}
.label{font-size:9.5pt;color:#333;margin:2mm 0 0 6mm}
.lines{margin:0 0 0 6mm}.line{height:8mm;border-bottom:.5pt solid #777}
.verdict{margin-left:6mm}.verdict .choice{margin-right:8mm}
.key{margin:1.5mm 0 0 6mm;padding:2mm 3mm;border-left:2.5pt solid #8a1c1c;background:#fbf3f3}.key p{margin:.5mm 0}.key-inline{margin-left:2mm;color:#8a1c1c;font-family:ui-monospace,monospace;font-size:.9em}
.instructor-banner{border:1.5pt solid #8a1c1c;color:#8a1c1c;font-weight:700;text-align:center;padding:2mm;margin:0 0 3mm}
.lesson + .lesson{break-before:page;margin-top:14mm}
header.cover{margin-bottom:6mm}
footer{margin-top:8mm;font-size:8.5pt;color:#444}
@media print{body{max-width:none;padding:0}.lesson + .lesson{margin-top:0}pre.program{background:none}}`;
}

/** The whole handout (or its answer key) as one HTML document. */
export function handoutHtml(options: HandoutOptions): string {
  const lang: TextLang = options.lang === 'zh-CN' ? 'zh' : 'en';
  const labels = LABELS[lang];
  const kind = options.answerKey ? labels.answerKey : labels.handout;
  const single = options.lessons.length === 1 && !options.pack ? options.lessons[0]!.lesson : undefined;
  const mainTitle = options.pack ? options.pack.title[lang] : single ? single.title[lang] : kind;
  const header: string[] = [`<h1>${esc(mainTitle)}</h1>`, `<p class="muted">${esc(kind)}${options.pack ? ` · <code>${esc(options.pack.id)}</code>` : ''}${options.pack?.author ? ` · ${esc(labels.author)} ${esc(options.pack.author)}` : ''}</p>`];
  if (!options.answerKey) header.push(`<div class="student"><span>${esc(labels.name)}${labels.colon}</span><span>${esc(labels.className)}${labels.colon}</span><span>${esc(labels.date)}${labels.colon}</span></div>`);
  if (options.pack) header.push(`<p class="text">${esc(options.pack.instructions[lang])}</p>`);
  const lessons = options.lessons.map((item, index) => lessonHtml(item, index, options, lang, labels)).join('\n');
  const title = `${mainTitle} · ${kind}`;
  return `<!doctype html>
<html lang="${options.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(title)}</title><style>${style(options.paper)}</style></head>
<body class="paper-${options.paper}${options.answerKey ? ' answer-key' : ''}">
<header class="cover">${header.join('\n')}</header>
${lessons}
<footer>Concurrency Lab · ${esc(kind)} · ${PAGE_SIZE[options.paper]}</footer>
</body></html>
`;
}
