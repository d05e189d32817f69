import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import Table from 'cli-table3';
import type { RuntimeName } from '../model/run-model';
import type { SweepQuantity, SweepResult, SweepScaling } from '../model/sweep';
import { LabService, RUNTIME_PAIR } from '../service/lab-service';
import { parseAxis, readSweep, runSweep, sweepCsv, type SweepAxis } from '../service/sweeps';
import { sweepReport } from '../export/sweep-report';
import { quantityLabel } from '../service/distributions';
import { parseCondition, type Condition } from '../engine/metrics/distribution';
import { terminalSafe } from './format';
import { ProgressTicker, statusWriter } from './progress';

/**
 * `conlab sweep`: one run per point of a parameter grid, the chosen quantity per point with its 95%
 * interval, speed-ups against the first point, and Amdahl's and the USL's fits; `conlab sweep-show`
 * reads a recorded sweep back (another quantity, JSON, CSV).
 */

type WithService = <T>(fn: (service: LabService) => Promise<T> | T) => Promise<T>;

function collectAxis(value: string, previous: SweepAxis[]): SweepAxis[] {
  try {
    return [...previous, parseAxis(value)];
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

function collectSet(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`--set takes name=value, got ${value}`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
}

function count(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
    return n;
  };
}

function quantityOf(opts: { metric?: string; record?: string; shared?: string }): SweepQuantity {
  if ([opts.metric, opts.record, opts.shared].filter((v) => v !== undefined).length > 1) throw new InvalidArgumentError('give one of --metric, --record or --shared');
  if (opts.record !== undefined) return { record: opts.record };
  if (opts.shared !== undefined) return { shared: opts.shared };
  return { metric: opts.metric ?? 'wallMs' };
}

function condition(text: string): Condition {
  try {
    return parseCondition(text);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

const num = (v: number | null, digits = 2): string => {
  if (v === null || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en');
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
};

/** The sweep as text: one table per series, then each law's parameters, goodness of fit and reading. */
export function formatSweep(result: SweepResult, lang: 'en' | 'zh'): string {
  const what = quantityLabel(result.quantity);
  const lines = [
    `sweep ${result.sweepId}: ${result.title} · ${what}${result.unit ? ` (${result.unit})` : ''} against ${result.params.join(' × ')} · ${result.scaling} scaling · ${result.recorded}/${result.planned} runs`,
  ];
  for (const series of result.series) {
    const fixed = Object.entries(series.fixed).map(([k, v]) => `${k}=${String(v)}`).join(' ');
    lines.push('', `${series.runtime}${fixed ? ` · ${fixed}` : ''}`);
    const table = new Table({
      head: [
        result.params[0] ?? '',
        'median',
        '95% interval',
        'n',
        result.lowerIsBetter ? 'speed-up' : 'gain',
        ...(result.condition ? [`${result.condition.op} ${result.condition.value} (95% CI)`] : []),
        'claims',
        'run',
      ],
      style: { head: [], border: [] },
    });
    for (const p of series.points) {
      const claims = `${p.claims.holds}✓ ${p.claims.fails}✗ ${p.claims.inconclusive}?`;
      table.push([
        String(p.point[result.params[0]!] ?? ''),
        num(p.median),
        p.ci95 ? `${num(p.ci95[0])} – ${num(p.ci95[1])}` : '–',
        String(p.n),
        p.speedup === null ? '–' : `${p.speedup.toFixed(2)}×`,
        ...(result.condition ? [p.meeting ? `${pct(p.meeting.share)} (${pct(p.meeting.ci95[0])}–${pct(p.meeting.ci95[1])})` : '–'] : []),
        p.status === 'ok' ? claims : `${p.status} · ${claims}`,
        p.runId.slice(0, 8),
      ]);
    }
    lines.push(table.toString());
    if (series.fitProblem) lines.push(`no fit: ${series.fitProblem}`);
    for (const fit of series.fits) {
      const params = Object.entries(fit.params).map(([k, v]) => `${k} = ${v.toPrecision(3)}`).join(', ');
      const peak = fit.peak !== null ? ` · peak at ${fit.peak.toFixed(1)}` : '';
      lines.push(`${fit.law === 'amdahl' ? "Amdahl's law" : 'USL'}: ${params} · R² = ${fit.rSquared.toFixed(3)}${peak} — ${fit.reading[lang]}`);
    }
  }
  return lines.join('\n');
}

export function sweepJson(result: SweepResult): Record<string, unknown> {
  return {
    ...result,
    series: result.series.map((s) => ({
      ...s,
      fits: s.fits.map((f) => ({ ...f, ...Object.fromEntries(Object.entries(f.params).map(([k, v]) => [`${f.law}.${k}`, v])) })),
    })),
  };
}

export function registerSweepCommands(program: Command, withService: WithService, lang: () => 'en' | 'zh'): void {
  const output = (result: SweepResult, opts: { json?: boolean; csv?: string; html?: string }): void => {
    if (opts.csv) writeFileSync(opts.csv, sweepCsv(result));
    if (opts.html) writeFileSync(opts.html, sweepReport(result));
    const text = opts.json ? JSON.stringify(sweepJson(result), null, 2) : formatSweep(result, lang());
    process.stdout.write(`${terminalSafe(text)}\n`);
  };

  program
    .command('sweep')
    .description('run a lesson or spec once per point of a parameter grid, and fit scaling laws (Amdahl, USL) to the speed-ups')
    .argument('<lesson-or-file>', 'a lesson id, or a path to a spec .json file')
    .requiredOption('--param <name=values>', 'a parameter and its values, comma-separated (repeatable: the grid is every combination; the first is plotted against)', collectAxis, [])
    .option('--set <name=value>', 'fix another parameter (repeatable)', collectSet, {})
    .option('--repeat <n>', 'counted trials per point', count('--repeat', 1, 1000), 3)
    .option('--warmup <n>', 'warm-up trials per point, not counted', count('--warmup', 0, 100), 0)
    .option('--metric <name>', 'the metric to plot (default wallMs)')
    .option('--record <name>', 'a record to plot instead of a metric (its last value in each trial)')
    .option('--shared <name>', "a shared variable's final value to plot instead")
    .option('--when <condition>', 'also count, per point, the trials whose value meets a condition (like ">0"), with its 95% interval', condition)
    .addOption(new Option('--scaling <kind>', 'strong: the same total work at every point; weak: the work grows with the plotted parameter (speed-up is then throughput)').choices(['strong', 'weak']).default('strong'))
    .option('--no-events', 'keep each point\'s records and metrics, not its events (many trials, no timelines)')
    .option('--title <text>', 'a title for the sweep\'s runs')
    .option('--json', 'print the points with their statistics and each fit with its parameters as JSON')
    .option('--csv <file>', 'also write the points as CSV (hyperfine\'s columns where they apply)')
    .option('--html <file>', 'also write a self-contained HTML report: the quantity and the speed-up against the parameter with their intervals and the fitted laws')
    .addOption(new Option('--runtime <name>', 'node, cpython, cpython-nogil, or both (Node and CPython curves)').choices(['node', 'cpython', 'cpython-nogil', 'both']).default('node'))
    .action(async (target: string, opts: { param: SweepAxis[]; set: Record<string, string>; repeat: number; warmup: number; metric?: string; record?: string; shared?: string; when?: Condition; events: boolean; title?: string; json?: boolean; csv?: string; html?: string; runtime: RuntimeName | 'both'; scaling: SweepScaling }) => {
      const quantity = quantityOf(opts);
      const isFile = /\.json$/i.test(target) || target.includes('/') || target.includes('\\');
      const spec = isFile ? LabService.readSpecFile(target) : undefined;
      const live = !opts.json && (process.stderr.isTTY || process.env['CONLAB_PROGRESS'] === '1');
      const status = statusWriter(terminalSafe);
      const ticker = live ? new ProgressTicker(status) : null;
      const controller = new AbortController();
      const onSigint = (): void => {
        if (controller.signal.aborted) process.exit(130);
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        const result = await withService((service) =>
          runSweep(service, {
            ...(isFile ? { spec } : { lessonId: target }),
            axes: opts.param,
            overrides: opts.set,
            repeat: opts.repeat,
            warmup: opts.warmup,
            runtimes: opts.runtime === 'both' ? RUNTIME_PAIR : [opts.runtime],
            quantity,
            scaling: opts.scaling,
            ...(opts.events === false ? { storeEvents: false } : {}),
            ...(opts.when ? { condition: opts.when } : {}),
            ...(opts.title ? { title: opts.title } : {}),
            signal: controller.signal,
            onPoint: (p) => {
              const values = Object.entries(p.values).map(([k, v]) => `${k}=${String(v)}`).join(' ');
              if (live) status(null);
              process.stderr.write(terminalSafe(`point ${p.point}/${p.of} · ${p.runtime} · ${values}\n`));
            },
            onProgress: (progress) => ticker?.progress(progress),
          }),
        );
        ticker?.stop();
        output(result, opts);
        process.exitCode = result.recorded < result.planned ? 1 : 0;
      } finally {
        ticker?.stop();
        process.off('SIGINT', onSigint);
      }
    });

  program
    .command('sweep-show')
    .description('show a recorded sweep again: another quantity, JSON, CSV or an HTML report')
    .argument('<sweep-id>', 'the id printed by conlab sweep (the tag sweep:<id> on its runs)')
    .option('--metric <name>', 'the metric to plot (default wallMs)')
    .option('--record <name>', 'a record to plot instead of a metric')
    .option('--shared <name>', "a shared variable's final value to plot instead")
    .option('--when <condition>', 'also count, per point, the trials meeting a condition (like ">0")', condition)
    .option('--json', 'print JSON')
    .option('--csv <file>', 'also write the points as CSV')
    .option('--html <file>', 'also write a self-contained HTML report with the plots (inline SVG) and the fitted laws')
    .addOption(new Option('--scaling <kind>', 'strong or weak (see conlab sweep --help)').choices(['strong', 'weak']).default('strong'))
    .action(async (id: string, opts: { metric?: string; record?: string; shared?: string; when?: Condition; json?: boolean; csv?: string; html?: string; scaling: SweepScaling }) => {
      const result = await withService((service) => readSweep(service, id, { quantity: quantityOf(opts), scaling: opts.scaling, condition: opts.when ?? null }));
      output(result, opts);
    });
}
