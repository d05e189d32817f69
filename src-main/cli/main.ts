import type { ReportLang } from '../export/report-wording';
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import { Command, CommanderError, Option } from 'commander';
import type { RunFilter, RunProgress, RunRecord, RunStatus } from '../model/run-model';
import type { EventBatch } from '../model/trace-event';
import { RUN_STATUSES, RUNTIME_NAMES, type RuntimeName } from '../model/run-model';
import { listRuntimes } from '../engine/runtimes/cpython-runtime';
import { appVersion } from '../engine/entry-paths';
import { BYTE_LIMITS, type ByteLimit } from '../engine/spec/limits';
import { specJsonSchema } from '../model/spec-schema';
import { formatSpecIssues } from '../model/spec-issue';
import { LabError, LabService, RUNTIME_PAIR } from '../service/lab-service';
import { EXPORT_FORMATS, type ExportFormat } from '../model/export-formats';
import type { Lang } from '../lessons/lesson';
import { ProgressTicker, statusWriter } from './progress';
import { findLesson } from '../lessons/catalog';
import { checkPredictions, type PredictionInput } from '../model/questions';
import { formatPredictionChecks } from './predict-format';
import { registerServeCommand } from './serve-command';
import { registerServerCommand } from './server-command';
import { registerSweepCommands } from './sweep-command';
import { registerDistributionCommand } from './distribution-command';
import { registerPackCommands } from './pack-command';
import { registerHandoutCommand } from './handout-command';
import { registerPythonCommand } from './python-command';
import { pythonProgramFile } from '../service/python-export';
import type { PairAlignment } from '../export/trace-pair';
import { formatCheck, formatComparison, formatHistory, formatLesson, formatLessonList, formatPair, formatRun, formatRuntimes, pairJson, runJson, terminalSafe, type CheckRow } from './format';

/**
 * `conlab`: the lab on the command line. Exit codes: 0 ok, 1 a run failed or a claim failed,
 * 2 bad input. Errors are one clear message, never a stack trace unless --debug.
 */

v8.setFlagsFromString('--no-concurrent-osr');

class UsageError extends Error {}

/** `--runtime`: one runtime, or both side by side. */
const RUNTIME_CHOICES = [...RUNTIME_NAMES, 'both'] as const;
type RuntimeChoice = RuntimeName | 'both';

function defaultLang(): Lang {
  const locale = process.env['LC_ALL'] || process.env['LC_MESSAGES'] || process.env['LANG'] || Intl.DateTimeFormat().resolvedOptions().locale;
  return /^zh/i.test(locale) ? 'zh' : 'en';
}

function parseLang(value: string): Lang {
  if (value !== 'en' && value !== 'zh') throw new UsageError(`--lang must be en or zh, got ${value}`);
  return value;
}

/** The language a command asked for with --lang (en or zh), else the system locale's: what an error is printed in. */
function langOf(argv: readonly string[]): Lang {
  const at = argv.findIndex((arg) => arg === '--lang' || arg.startsWith('--lang='));
  const value = at === -1 ? undefined : argv[at]!.startsWith('--lang=') ? argv[at]!.slice('--lang='.length) : argv[at + 1];
  return value === 'en' || value === 'zh' ? value : defaultLang();
}

/** An HTML report's language: --lang (en or zh), else the system locale's. */
function reportLang(value: string | undefined): ReportLang {
  return (value ? parseLang(value) : defaultLang()) === 'zh' ? 'zh-CN' : 'en';
}

function parseCount(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
    return n;
  };
}

/**
 * The parameter values of `--preset <id>` (one of the lesson's "try next" presets) under those of
 * `--set`, which win. A preset needs a lesson id, and must be one the lesson has.
 */
function presetOverrides(target: string, isFile: boolean, presetId: string | undefined, set: Readonly<Record<string, string>>): Record<string, string | number | boolean> {
  if (presetId === undefined) return { ...set };
  if (isFile) throw new UsageError(`--preset applies to a lesson id, not to a spec file; got ${terminalSafe(target)}`);
  const lesson = findLesson(target);
  if (!lesson) return { ...set }; // the service refuses the unknown lesson with its own message
  const presets = lesson.presets ?? [];
  const preset = presets.find((p) => p.id === presetId);
  if (!preset) {
    const known = presets.length ? presets.map((p) => p.id).join(', ') : 'none: this lesson has no presets';
    throw new UsageError(`--preset: ${lesson.id} has no preset ${JSON.stringify(terminalSafe(presetId))}; expected one of ${known}`);
  }
  return { ...preset.params, ...set };
}

function collectSet(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set takes name=value, got ${value}`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
}

/** `--predict question=value` (repeatable), in the order given. */
function collectPrediction(value: string, previous: readonly PredictionInput[]): PredictionInput[] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`--predict takes question=value, got ${JSON.stringify(terminalSafe(value.slice(0, 80)))}`);
  return [...previous, { question: value.slice(0, eq).trim(), value: value.slice(eq + 1).trim() }];
}

interface GlobalOptions {
  db?: string;
  debug?: boolean;
}

function openService(program: Command, caps: Record<string, number> = {}): LabService {
  const { db } = program.opts<GlobalOptions>();
  const service = LabService.open({ dbPath: db, caps });
  service.loadSettings(); // limits saved in the app's settings apply here too; --max-* flags still win
  return service;
}

async function withService<T>(program: Command, fn: (service: LabService) => Promise<T> | T, caps?: Record<string, number>): Promise<T> {
  const service = openService(program, caps);
  try {
    const result = await fn(service);
    // After the output, so that a damaged history is never read without saying so (a refused write
    // already said it, in its one line).
    if (service.storeHealth.access === 'damaged') process.stderr.write(`conlab: warning: ${service.storeHealth.problem ?? 'the run history is damaged'}\n`);
    return result;
  } finally {
    await service.close();
  }
}

/** Every line the CLI shows goes through here or through `printError`: control characters are escaped. */
function print(text: string): void {
  const safe = terminalSafe(text);
  process.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
}

function printError(text: string): void {
  const safe = terminalSafe(text);
  process.stderr.write(safe.endsWith('\n') ? safe : `${safe}\n`);
}

/** A status line on stderr that the next one replaces. */
const printStatus = statusWriter(terminalSafe);

function exitCodeFor(run: RunRecord): number {
  return run.status !== 'ok' && run.status !== 'deadlocked' ? 1 : run.claims.some((c) => c.status === 'fails') ? 1 : run.status === 'deadlocked' && run.claims.length === 0 ? 1 : 0;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('conlab')
    .description('Concurrency Lab: run concurrency experiments on real processes, threads and tasks, and keep every run.')
    .version(appVersion())
    .option('--db <path>', 'run history database (default: $CONLAB_DB, else the app\'s data folder)')
    .option('--debug', 'show stack traces on errors')
    .showHelpAfterError()
    .exitOverride()
    // Commander's own messages quote arguments as given; they pass through the same escaping (inherited by every command).
    .configureOutput({
      writeOut: (text) => process.stdout.write(terminalSafe(text)),
      writeErr: (text) => process.stderr.write(terminalSafe(text)),
    });

  program
    .command('list')
    .description('list the lessons by chapter')
    .option('--lang <lang>', 'en or zh (default: from the system locale)')
    .option('--json', 'print [{id, chapter, title: {en, zh}}]')
    .action((opts: { lang?: string; json?: boolean }) =>
      withService(program, (service) => {
        const lessons = service.listLessons();
        if (opts.json) print(JSON.stringify(lessons.map((l) => ({ id: l.id, chapter: l.chapter, title: l.title })), null, 2));
        else print(formatLessonList(service, opts.lang ? parseLang(opts.lang) : defaultLang()));
      }),
    );

  program
    .command('show')
    .description('show a lesson: what it teaches, its parameters and its claims')
    .argument('<lesson>', 'lesson id')
    .option('--lang <lang>', 'en or zh')
    .option('--json', 'print the lesson as JSON')
    .option('--python', 'print the lesson as a standalone Python program (with its CPython parameters); save it with > file.py')
    .action((id: string, opts: { lang?: string; json?: boolean; python?: boolean }) => {
      if (opts.python) {
        print(pythonProgramFile({ lessonId: id }).text); // needs no database
        return;
      }
      return withService(program, (service) => {
        const lesson = service.getLesson(id);
        if (opts.json) print(JSON.stringify(lesson, null, 2));
        else print(formatLesson(lesson, opts.lang ? parseLang(opts.lang) : defaultLang()));
      });
    });

  program
    .command('schema')
    .description('print the JSON Schema of experiment specs (for editors)')
    .action(() => print(JSON.stringify(specJsonSchema(), null, 2))); // needs no database

  program
    .command('run')
    .description('run a lesson (by id) or a spec file, record it, and check its claims')
    .argument('<lesson-or-file>', 'a lesson id, or a path to a spec .json file')
    .option('--set <name=value>', 'override a parameter (repeatable)', collectSet, {})
    .option('--preset <id>', 'apply one of the lesson\'s presets, its "try next" suggestions (listed by `conlab show`); --set still overrides')
    .option('--predict <question=value>', 'answer one of the lesson\'s questions before it runs (a choice id or a number; repeatable; `conlab show` lists them): kept with the run and checked after it', collectPrediction, [])
    .option('--repeat <n>', 'counted trials', parseCount('--repeat', 1, 1000), 1)
    .option('--warmup <n>', 'warm-up trials, not counted', parseCount('--warmup', 0, 100), 0)
    .option('--title <text>', 'a title for the run')
    .option('--json', 'print one JSON object: runId, status, claims, metrics, trials')
    .option('--lang <lang>', 'en or zh')
    .option('--max-actors <n>', 'cap on actor instances per trial', parseCount('--max-actors', 1, 100_000))
    .option('--max-wall-ms <ms>', 'cap on a trial\'s wall time', parseCount('--max-wall-ms', 1, 86_400_000))
    .option('--max-memory-mb <mb>', 'heap cap per thread or process actor', parseCount('--max-memory-mb', 16, 65_536))
    .option('--max-events <n>', 'trace events kept per trial', parseCount('--max-events', 0, 100_000_000))
    .option('--no-events', 'keep the trials\' records and metrics, not their events (a batch for `conlab distribution`: no timeline)')
    .option('--max-event-bytes <bytes>', 'cap on trace bytes held per trial', parseCount('--max-event-bytes', 1_024, 2 ** 40))
    .option('--max-record-bytes <bytes>', 'cap on recorded values per trial, in bytes', parseCount('--max-record-bytes', 0, 2 ** 40))
    .option('--max-managed-bytes <bytes>', 'cap on managed shared state, in bytes', parseCount('--max-managed-bytes', 0, 2 ** 40))
    .option('--max-queue-bytes <bytes>', 'cap on items held in queues, in bytes', parseCount('--max-queue-bytes', 0, 2 ** 40))
    .option('--max-value-bytes <bytes>', 'cap on one value a step builds, in bytes', parseCount('--max-value-bytes', 1_024, 2 ** 40))
    .addOption(
      new Option('--runtime <name>', 'where the actors run: the Node engine, CPython, CPython without the GIL (cpython-nogil; see `conlab runtimes`), or both (Node and CPython), one after the other, shown side by side')
        .choices([...RUNTIME_CHOICES])
        .default('node'),
    )
    .action(
      async (
        target: string,
        opts: {
          set: Record<string, string>;
          preset?: string;
          predict: PredictionInput[];
          repeat: number;
          warmup: number;
          title?: string;
          json?: boolean;
          lang?: string;
          maxActors?: number;
          maxWallMs?: number;
          maxMemoryMb?: number;
          maxEvents?: number;
          events: boolean;
          runtime: RuntimeChoice;
        } & Partial<Record<ByteLimit, number>>,
      ) => {
        const lang = opts.lang ? parseLang(opts.lang) : defaultLang();
        const caps: Record<string, number> = {};
        if (opts.maxActors !== undefined) caps['maxActors'] = opts.maxActors;
        if (opts.maxWallMs !== undefined) caps['wallTimeMs'] = opts.maxWallMs;
        if (opts.maxMemoryMb !== undefined) caps['memoryMbPerActor'] = opts.maxMemoryMb;
        if (opts.maxEvents !== undefined) caps['maxEvents'] = opts.maxEvents;
        for (const limit of BYTE_LIMITS) if (opts[limit] !== undefined) caps[limit] = opts[limit];
        const isFile = /\.json$/i.test(target) || target.includes('/') || target.includes('\\');
        const overrides = presetOverrides(target, isFile, opts.preset, opts.set);
        const spec = isFile ? LabService.readSpecFile(target) : undefined;
        // The progress line: on a terminal only (never with --json or when piped), unless CONLAB_PROGRESS=1 asks for it.
        const live = !opts.json && (process.stderr.isTTY || process.env['CONLAB_PROGRESS'] === '1');
        const ticker = live ? new ProgressTicker(printStatus) : null;
        const follow = ticker ? { onProgress: (progress: RunProgress) => ticker.progress(progress), onBatch: (batch: EventBatch) => ticker.batch(batch) } : {};
        // Ctrl-C cancels: the run executes in a runner process, so this process is free to hear it even
        // while a task computes; an unanswered cancel kills the runner's tree within 200 ms. A second
        // Ctrl-C leaves at once: the runner's guard notices its parent is gone and ends the tree.
        const controller = new AbortController();
        const onSigint = (): void => {
          if (controller.signal.aborted) process.exit(130);
          controller.abort();
        };
        process.on('SIGINT', onSigint);
        try {
          if (opts.runtime === 'both' && opts.predict.length > 0) throw new UsageError('--predict goes with one run: not with --runtime both');
          if (opts.runtime === 'both') {
            const pair = await withService(
              program,
              (service) =>
                service.runPair({
                  ...(isFile ? { spec } : { lessonId: target }),
                  overrides,
                  repeat: opts.repeat,
                  warmup: opts.warmup,
                  ...(opts.title ? { title: opts.title } : {}),
                  ...(opts.events === false ? { storeEvents: false } : {}),
                  signal: controller.signal,
                  ...follow,
                }),
              caps,
            );
            ticker?.stop();
            print(opts.json ? JSON.stringify(pairJson(pair), null, 2) : formatPair(pair, lang));
            // A runtime that refused the spec did not fail it; a run that ran did or did not.
            process.exitCode = Math.max(0, ...pair.sides.map((side) => (side.run ? exitCodeFor(side.run) : 0)));
            return;
          }
          const runtime: RuntimeName = opts.runtime;
          const run = await withService(
            program,
            (service) =>
              service.run({
                ...(isFile ? { spec } : { lessonId: target }),
                overrides,
                repeat: opts.repeat,
                warmup: opts.warmup,
                ...(opts.title ? { title: opts.title } : {}),
                runtime,
                ...(opts.events === false ? { storeEvents: false } : {}),
                ...(opts.predict.length > 0 ? { predictions: opts.predict } : {}),
                signal: controller.signal,
                ...follow,
              }),
            caps,
          );
          ticker?.stop();
          const questions = run.lessonId !== null ? (findLesson(run.lessonId)?.questions ?? []) : [];
          if (opts.json) {
            const checks = checkPredictions(questions, run.predictions ?? [], run);
            print(JSON.stringify({ ...runJson(run), ...(checks.length > 0 ? { predictions: checks } : {}) }, null, 2));
          } else {
            print(formatRun(run, lang));
            const checked = formatPredictionChecks(questions, run, lang);
            if (checked) print(checked);
          }
          process.exitCode = exitCodeFor(run);
        } finally {
          ticker?.stop();
          process.off('SIGINT', onSigint);
        }
      },
    );

  program
    .command('runtimes')
    .description('list the runtimes a run may use here (Node; CPython as CONLAB_PYTHON, the settings\' Python path, python3, python, py -3; CPython without the GIL as CONLAB_PYTHON_NOGIL, python3.14t, python3.13t)')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      LabService.applySavedPythonPath(program.opts<GlobalOptions>().db); // reads the settings file only
      const rows = listRuntimes(); // needs no database
      print(opts.json ? JSON.stringify(rows, null, 2) : formatRuntimes(rows));
    });

  program
    .command('check')
    .description('run every lesson headless and check its claims (exit 1 when any claim fails)')
    .option('--chapter <chapter>', 'only this chapter')
    .option('--json', 'print JSON')
    .addOption(
      new Option('--runtime <name>', 'check on the Node engine, on CPython, on CPython without the GIL, or on both Node and CPython (one column each); a lesson a runtime cannot run yet shows why and does not fail the check')
        .choices([...RUNTIME_CHOICES])
        .default('node'),
    )
    .action(async (opts: { chapter?: string; json?: boolean; runtime: RuntimeChoice }) => {
      const rows = await withService(program, async (service) => {
        const chapters = service.chapters().map((c) => c.id as string);
        if (opts.chapter !== undefined && !chapters.includes(opts.chapter)) throw new UsageError(`--chapter must be one of ${chapters.join(', ')}, got ${opts.chapter}`);
        const lessons = service.listLessons().filter((l) => opts.chapter === undefined || l.chapter === opts.chapter);
        const runtimes: readonly RuntimeName[] = opts.runtime === 'both' ? RUNTIME_PAIR : [opts.runtime];
        const out: CheckRow[] = [];
        let done = 0;
        for (const lesson of lessons) {
          done++;
          for (const runtime of runtimes) {
          if (!opts.json && process.stderr.isTTY) printStatus(`checking ${lesson.id}${runtimes.length > 1 || runtime !== 'node' ? ` on ${runtime}` : ''} (${done}/${lessons.length})`);
          const refused = service.runtimeRefusal({ lessonId: lesson.id }, runtime);
          if (refused !== null) {
            out.push({ lesson: lesson.id, runtime, refused, runId: '', status: 'refused', held: 0, failed: 0, inconclusive: 0, wallMs: 0, failures: [] });
            continue;
          }
          const run = await service.run({ lessonId: lesson.id, runtime });
          await service.tagRun(run.id, 'check');
          out.push({
            lesson: lesson.id,
            runtime,
            runId: run.id,
            status: run.status,
            held: run.claims.filter((c) => c.status === 'holds').length,
            failed: run.claims.filter((c) => c.status === 'fails').length,
            inconclusive: run.claims.filter((c) => c.status === 'inconclusive').length,
            wallMs: run.wallMs ?? 0,
            failures: run.claims.filter((c) => c.status !== 'holds').map((c) => `${c.id}: ${c.detail}`),
          });
          }
        }
        if (!opts.json && process.stderr.isTTY) printStatus(null);
        return out;
      });
      print(opts.json ? JSON.stringify(rows, null, 2) : formatCheck(rows));
      process.exitCode = rows.some((row) => row.failed > 0) ? 1 : 0;
    });

  program
    .command('history')
    .description('list recorded runs, newest first')
    .option('--lesson <id>', 'only runs of this lesson')
    .addOption(new Option('--status <status>', 'only runs that ended so').choices([...RUN_STATUSES]))
    .option('--tag <tag>', 'only runs with this tag')
    .option('--since <date>', 'started on or after (ISO date)')
    .option('--until <date>', 'started before (ISO date)')
    .option('--search <text>', 'search titles, lessons and notes')
    .option('--limit <n>', 'at most this many', parseCount('--limit', 1, 100_000), 50)
    .option('--json', 'print JSON')
    .action((opts: { lesson?: string; status?: RunStatus; tag?: string; since?: string; until?: string; search?: string; limit: number; json?: boolean }) =>
      withService(program, (service) => {
        const filter: RunFilter = {
          ...(opts.lesson ? { lessonId: opts.lesson } : {}),
          ...(opts.status ? { status: opts.status } : {}),
          ...(opts.tag ? { tag: opts.tag } : {}),
          ...(opts.since ? { since: opts.since } : {}),
          ...(opts.until ? { until: opts.until } : {}),
          ...(opts.search ? { search: opts.search } : {}),
          limit: opts.limit,
        };
        const runs = service.listRuns(filter);
        print(opts.json ? JSON.stringify(runs, null, 2) : formatHistory(runs));
      }),
    );

  program
    .command('show-run')
    .description('show one recorded run')
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--json', 'print the whole run record')
    .option('--lang <lang>', 'en or zh')
    .action((id: string, opts: { json?: boolean; lang?: string }) =>
      withService(program, (service) => {
        const run = service.getRun(id);
        const paired = service.pairedRuns(run.id);
        if (opts.json) print(JSON.stringify(paired.length ? { ...run, pairedRuns: paired } : run, null, 2));
        else {
          const lang = opts.lang ? parseLang(opts.lang) : defaultLang();
          const checked = formatPredictionChecks(run.lessonId !== null ? (findLesson(run.lessonId)?.questions ?? []) : [], run, lang);
          print([formatRun(run, lang), ...(checked ? [checked] : []), ...paired.map((other) => `paired with run ${other.id} on ${other.runtime} (${other.status}): conlab show-run ${other.id}`)].join('\n'));
        }
      }),
    );

  program
    .command('compare')
    .description('compare two or more runs: the first is the baseline; ratios with 95% intervals')
    .argument('<runs...>', 'run ids (or unique prefixes)')
    .option('--metric <name...>', 'only these metrics')
    .option('--json', 'print JSON')
    .option('--html <file>', 'also write a self-contained HTML report of the comparison')
    .option('--lang <lang>', 'the HTML report in en or zh (default: from the system locale)')
    .option('--trace <file>', 'two runs: also write them on one timeline, a trace for Perfetto / chrome://tracing with each run as a process')
    .option('--align <where>', 'with --trace: align the runs at their start (default) or at a mark, as mark:<name>', 'start')
    .action((ids: string[], opts: { metric?: string[]; json?: boolean; html?: string; trace?: string; align: string; lang?: string }) =>
      withService(program, (service) => {
        const comparison = service.compare(ids, opts.metric);
        if (opts.trace) {
          if (ids.length !== 2) throw new UsageError(`--trace puts two runs on one timeline; ${ids.length} were given`);
          const align: PairAlignment = opts.align === 'start' ? { at: 'start' } : opts.align.startsWith('mark:') && opts.align.length > 5 ? { at: 'mark', name: opts.align.slice(5) } : (() => {
            throw new UsageError(`--align is start or mark:<name>, got ${opts.align}`);
          })();
          writeFileSync(opts.trace, service.compareTrace([ids[0]!, ids[1]!], align).data);
          printError(`wrote ${opts.trace}`);
        }
        if (opts.html) {
          writeFileSync(opts.html, service.compareReport(ids, opts.metric, reportLang(opts.lang)).data);
          printError(`wrote ${opts.html}`);
        }
        print(opts.json ? JSON.stringify(comparison, null, 2) : formatComparison(comparison));
      }),
    );

  program
    .command('export')
    .description('export a run: a JSON run log (optionally gzip), CSV, or a trace for Perfetto / chrome://tracing')
    .argument('<run>', 'run id (or a unique prefix)')
    .addOption(new Option('--format <format>', 'what to write').choices([...EXPORT_FORMATS]).default('json'))
    .option('--out <file>', 'write here (default: a file named after the run in the current folder; - for stdout)')
    .option('--lang <lang>', 'with --format html: the report in en or zh (default: from the system locale)')
    .action((id: string, opts: { format: ExportFormat; out?: string; lang?: string }) =>
      withService(program, (service) => {
        const exported = service.exportRun(id, opts.format, reportLang(opts.lang));
        if (opts.out === '-') {
          // Piped, the file goes out byte for byte; to a terminal, text is escaped like everything else shown
          // there, and gzip (binary) is refused rather than sprayed over the screen.
          if (!process.stdout.isTTY) process.stdout.write(exported.data);
          else if (opts.format === 'json.gz') throw new UsageError('json.gz is binary: give --out <file>, or pipe the output into a file or program');
          else print(exported.data.toString('utf8'));
          return;
        }
        const file = opts.out ?? exported.fileName;
        writeFileSync(file, exported.data);
        print(`wrote ${file} (${exported.data.length.toLocaleString('en')} bytes)`);
      }),
    );

  program
    .command('import')
    .description('import a JSON run log (plain or gzip); validated strictly, nothing in it is executed')
    .argument('<file>', 'the run log')
    .action((file: string) =>
      withService(program, async (service) => {
        const { runId, result } = await service.importRunLogFile(file);
        print(result === 'inserted' ? `imported run ${runId}` : `run ${runId} is already in the history, identical; nothing changed`);
      }),
    );

  program
    .command('delete')
    .description('delete recorded runs with their trials, events, tags and notes')
    .argument('<runs...>', 'run ids (or unique prefixes)')
    .action((ids: string[]) =>
      withService(program, async (service) => {
        for (const id of ids) {
          const full = service.resolveRunId(id);
          await service.deleteRun(full);
          print(`deleted ${full}`);
        }
      }),
    );

  program
    .command('tag')
    .description('tag a run (or remove a tag with --remove)')
    .argument('<run>', 'run id (or a unique prefix)')
    .argument('<tags...>', 'tags')
    .option('--remove', 'remove these tags instead')
    .action((id: string, tags: string[], opts: { remove?: boolean }) =>
      withService(program, async (service) => {
        for (const tag of tags) {
          if (opts.remove) await service.untagRun(id, tag);
          else await service.tagRun(id, tag);
        }
      }),
    );

  program
    .command('note')
    .description('add a note to a run')
    .argument('<run>', 'run id (or a unique prefix)')
    .argument('<text>', 'the note')
    .action((id: string, text: string) =>
      withService(program, async (service) => {
        await service.addNote(id, text);
      }),
    );

  registerServeCommand(program, () => openService(program));
  registerSweepCommands(program, (fn) => withService(program, fn), defaultLang);
  registerDistributionCommand(program, (fn) => withService(program, fn));
  registerServerCommand(program);
  registerPackCommands(program, (fn) => withService(program, fn), defaultLang);
  registerHandoutCommand(program, defaultLang);
  registerPythonCommand(program, collectSet, print);

  return program;
}


export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv as string[], { from: 'node' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version print and exit 0; usage errors were already explained by commander.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof LabError) {
      printError(`conlab: ${error.issues.length ? formatSpecIssues(error.issues, 12, langOf(argv)) : error.message}`);
      return error.code === 'unavailable' ? 1 : 2;
    }
    if (error instanceof UsageError) {
      printError(`conlab: ${error.message}`);
      return 2;
    }
    printError(`conlab: ${debug && error instanceof Error ? error.stack ?? error.message : error instanceof Error ? error.message : String(error)}`);
    if (!debug) printError('(run again with --debug for details)');
    return 1;
  }
}

const exitCode = await main(process.argv);
process.exitCode = exitCode;
