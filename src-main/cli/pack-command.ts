import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { classCsv, classHtml, classOverview, classText } from '../export/class-report';
import { serializeSubmission, SubmissionError } from '../export/submission';
import { LabError, type LabService } from '../service/lab-service';
import {
  buildPackSubmission,
  checkLabPack,
  entryQuestions,
  entryTitle,
  importSubmissions,
  packSession,
  PackError,
  readLabPackFile,
  readPackSourceFile,
  runPackLesson,
  serializeLabPack,
  type ClassImport,
  type PackSession,
  type ReadPack,
} from '../service/packs';
import { terminalSafe } from './format';
import { ProgressTicker, statusWriter } from './progress';

/**
 * `conlab pack build|check|open|run|submit` (an instructor's pack, a learner's session and submission) and
 * `conlab class import|report` (the instructor's overview of the submissions).
 */

type WithService = <T>(fn: (service: LabService) => Promise<T> | T) => Promise<T>;

const print = (text: string): void => void process.stdout.write(`${terminalSafe(text)}\n`);
const printError = (text: string): void => void process.stderr.write(`${terminalSafe(text)}\n`);

/** Pack and submission refusals are bad input (exit 2), said in one line. */
async function asBadInput<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof PackError || error instanceof SubmissionError) throw new LabError('bad-input', error.message);
    throw error;
  }
}

function collectPair(flag: string) {
  return (value: string, previous: Record<string, string>): Record<string, string> => {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`${flag} takes name=value, got ${value}`);
    return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
  };
}

/** A pack from a .conlabpack file, or from its JSON source (anything ending in .json). */
async function readPack(path: string): Promise<ReadPack> {
  return asBadInput(async () => (/\.json$/i.test(path) ? checkLabPack(readPackSourceFile(path)) : readLabPackFile(path)));
}

export function formatSession(session: PackSession, lang: 'en' | 'zh'): string {
  const width = 20;
  const filled = session.total === 0 ? 0 : Math.round((session.done / session.total) * width);
  const lines = [
    `${session.title[lang]} (${session.id}) · sha256 ${session.hash.slice(0, 12)}`,
    session.instructions[lang],
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${session.done}/${session.total} ${lang === 'zh' ? '已完成' : 'done'}`,
    '',
  ];
  for (const l of session.lessons) {
    const mark = l.done ? '✓' : l.runs > 0 ? '✗' : ' ';
    const fixed = Object.entries(l.fixed).map(([k, v]) => `${k}=${String(v)}`).join(' ');
    const parts = [
      `${mark} ${l.index + 1}. ${l.id}: ${l.title[lang]}${l.lessonId ? ` [${l.lessonId}]` : ' [composed]'}`,
      fixed ? `fixed ${fixed}` : '',
      l.open.length ? `open ${l.open.join(', ')}` : '',
      l.questions.length ? `${l.questions.length} question${l.questions.length === 1 ? '' : 's'}` : '',
      l.runs ? `${l.runs} run${l.runs === 1 ? '' : 's'}, last ${l.lastRun!.id.slice(0, 8)} ${l.lastRun!.status}` : '',
    ].filter(Boolean);
    lines.push(parts.join(' · '));
    for (const q of l.questions) {
      const p = l.predictions.find((x) => x.question === q.id);
      const verdict = p ? ` — you said ${p.given}${p.actual !== null ? `, the run measured ${p.actual}` : ''}${p.right === true ? ' ✓' : p.right === false ? ' ✗' : ''}` : '';
      const choices = q.kind === 'choice' ? ` (${q.choices.map((c) => `${c.id}: ${c.text[lang]}`).join('; ')})` : '';
      lines.push(`     ? ${q.id}: ${q.text[lang]}${choices}${verdict}`);
    }
  }
  return lines.join('\n');
}

function reportRefused(result: ClassImport): void {
  for (const r of result.refused) printError(`conlab: refused ${r.file}: ${r.message}`);
}

export function registerPackCommands(program: Command, withService: WithService, lang: () => 'en' | 'zh'): void {
  const pack = program.command('pack').description('lab packs: build and check one (instructors), open it, run its lessons and submit (students)');

  pack
    .command('build')
    .description('check a pack written as JSON and write it as one .conlabpack file')
    .argument('<pack.json>', 'the pack source')
    .requiredOption('-o, --out <file>', 'the .conlabpack file to write')
    .option('--no-gzip', 'write plain JSON instead of gzip')
    .action(async (source: string, opts: { out: string; gzip: boolean }) => {
      const read = await asBadInput(() => checkLabPack(readPackSourceFile(source)));
      writeFileSync(opts.out, serializeLabPack(read.pack, { gzip: opts.gzip }));
      print(`wrote ${opts.out}: ${read.pack.id} · ${read.pack.lessons.length} lessons · sha256 ${read.hash}`);
    });

  pack
    .command('check')
    .description('validate a .conlabpack (or its JSON source) without running anything')
    .argument('<file>')
    .option('--json', 'print the pack as read, with its hash')
    .action(async (file: string, opts: { json?: boolean }) => {
      const read = await readPack(file);
      if (opts.json) print(JSON.stringify({ hash: read.hash, pack: read.pack }, null, 2));
      else print(`ok: ${read.pack.id} · ${read.pack.title[lang()]} · ${read.pack.lessons.length} lessons (${read.pack.lessons.map((l) => l.id).join(', ')}) · sha256 ${read.hash}`);
    });

  pack
    .command('open')
    .description("show a pack as a session: its lessons in order, with the runs recorded for each (tagged pack:<id>)")
    .argument('<file>')
    .option('--json', 'print the session as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const read = await readPack(file);
      const session = await withService((service) => packSession(service, read));
      print(opts.json ? JSON.stringify(session, null, 2) : formatSession(session, lang()));
    });

  pack
    .command('run')
    .description("run one lesson of a pack with the pack's parameters, keeping your predictions with the run")
    .argument('<file>', 'the .conlabpack')
    .argument('<lesson>', "the lesson's id in the pack (conlab pack open lists them)")
    .option('--set <name=value>', 'a parameter the pack leaves open (repeatable)', collectPair('--set'), {})
    .option('--answer <question=value>', 'your prediction before the run: a choice id or a number (repeatable)', collectPair('--answer'), {})
    .option('--repeat <n>', 'counted trials', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError(`--repeat must be a whole number from 1 to 1000, got ${v}`);
      return n;
    })
    .action(async (file: string, lesson: string, opts: { set: Record<string, string>; answer: Record<string, string>; repeat?: number }) => {
      const read = await readPack(file);
      const live = process.stderr.isTTY || process.env['CONLAB_PROGRESS'] === '1';
      const ticker = live ? new ProgressTicker(statusWriter(terminalSafe)) : null;
      let run;
      try {
        run = await withService((service) =>
          runPackLesson(service, read, lesson, {
            overrides: opts.set,
            answers: opts.answer,
            ...(opts.repeat !== undefined ? { repeat: opts.repeat } : {}),
            onProgress: (p) => ticker?.progress(p),
          }),
        );
      } finally {
        ticker?.stop();
      }
      const claims = run.claims.map((c) => `${c.status === 'holds' ? '✓' : c.status === 'fails' ? '✗' : '?'} ${c.text[lang()]}`);
      print([`run ${run.id} · ${run.status} · ${lesson}`, ...claims].join('\n'));
      process.exitCode = run.status === 'ok' || run.status === 'deadlocked' ? 0 : 1;
    });

  pack
    .command('submit')
    .description('export your submission: the runs you made for the pack, your predictions, this machine, your name')
    .argument('<file>', 'the .conlabpack')
    .requiredOption('--name <student>', 'your name or student id')
    .requiredOption('-o, --out <file>', 'the .conlabsub file to write')
    .action(async (file: string, opts: { name: string; out: string }) => {
      const read = await readPack(file);
      const submission = await withService((service) => buildPackSubmission(service, read, opts.name));
      writeFileSync(opts.out, serializeSubmission(submission));
      print(`wrote ${opts.out}: ${submission.runs.length} runs, ${submission.answers.length} predictions for ${read.pack.id}`);
    });

  const klass = program.command('class').description("an instructor's overview of the submissions for a pack");

  const load = async (targets: string[], packFile: string | undefined): Promise<{ result: ClassImport; ms: number }> => {
    const started = performance.now();
    const given = packFile !== undefined ? await readPack(packFile) : null;
    const result = await asBadInput(() => importSubmissions(targets, { pack: given }));
    if (result.loaded.length === 0 && result.refused.length === 0) throw new LabError('bad-input', `no ${'.conlabsub'} files in ${targets.join(', ')}`);
    return { result, ms: performance.now() - started };
  };

  klass
    .command('import')
    .description('read submissions (files, or folders of .conlabsub files), check each, and show students × lessons')
    .argument('<folder-or-files...>')
    .option('--pack <file>', 'the pack they answer (else a .conlabpack in the folder; without one, predictions are not scored)')
    .option('--json', 'print the overview as JSON')
    .action(async (targets: string[], opts: { pack?: string; json?: boolean }) => {
      const { result, ms } = await load(targets, opts.pack);
      const overview = classOverview(result.loaded, result.pack, entryTitle, entryQuestions);
      if (opts.json) print(JSON.stringify({ ...overview, refused: result.refused }, null, 2));
      else print(`${classText({ ...overview, results: [] }, lang())}\n\nimported ${result.loaded.length} submissions in ${(ms / 1000).toFixed(2)} s${result.refused.length ? `, refused ${result.refused.length}` : ''}`);
      reportRefused(result);
      process.exitCode = result.refused.length > 0 ? 2 : 0;
    });

  klass
    .command('report')
    .description('the class overview with results across machines (runtimes, core counts), as text, CSV and one HTML file')
    .argument('<folder-or-files...>')
    .option('--pack <file>', 'the pack they answer (else a .conlabpack in the folder)')
    .option('--csv <file>', 'write one row per student and lesson')
    .option('--html <file>', 'write one self-contained HTML report')
    .option('--lang <lang>', 'en or zh (default: the system language)')
    .action(async (targets: string[], opts: { pack?: string; csv?: string; html?: string; lang?: string }) => {
      if (opts.lang !== undefined && opts.lang !== 'en' && opts.lang !== 'zh') throw new LabError('bad-input', `--lang must be en or zh, got ${opts.lang}`);
      const language = (opts.lang as 'en' | 'zh' | undefined) ?? lang();
      const { result } = await load(targets, opts.pack);
      const overview = classOverview(result.loaded, result.pack, entryTitle, entryQuestions);
      if (opts.csv) writeFileSync(opts.csv, classCsv(overview));
      if (opts.html) writeFileSync(opts.html, classHtml(overview, language));
      print(classText(overview, language));
      reportRefused(result);
      process.exitCode = result.refused.length > 0 ? 2 : 0;
    });
}
