import { InvalidArgumentError, type Command } from 'commander';
import Table from 'cli-table3';
import { parseCondition, type Condition, type Share } from '../engine/metrics/distribution';
import type { LabService } from '../service/lab-service';
import { quantityLabel, runDistribution, type RunDistribution, type TrialQuantity } from '../service/distributions';
import { terminalSafe } from './format';

/** `conlab distribution`: a quantity's outcomes over a run's trials, with exact intervals. */

type WithService = <T>(fn: (service: LabService) => Promise<T> | T) => Promise<T>;

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const shareText = (s: Share): string => `${pct(s.share)} (${s.count}/${s.of}; 95% CI ${pct(s.ci95[0])}–${pct(s.ci95[1])})`;
const num = (v: number | null): string => (v === null ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(2));

export function formatDistribution(d: RunDistribution): string {
  const lines = [`${d.title} (${d.runId.slice(0, 8)}): ${quantityLabel(d.quantity)} over ${d.distribution.n} of ${d.trials} counted trials`];
  lines.push(`mean ${num(d.distribution.mean)} · p5 ${num(d.distribution.p5)} · median ${num(d.distribution.median)} · p95 ${num(d.distribution.p95)}`);
  const table = new Table({ head: [d.distribution.listed ? 'value' : 'from – to', 'trials', 'share (95% CI)', ''], style: { head: [], border: [] } });
  const widest = Math.max(...d.distribution.bins.map((b) => b.count), 1);
  for (const bin of d.distribution.bins) {
    table.push([
      d.distribution.listed ? num(bin.from) : `${num(bin.from)} – ${num(bin.to)}`,
      String(bin.count),
      `${pct(bin.share)} (${pct(bin.ci95[0])}–${pct(bin.ci95[1])})`,
      '█'.repeat(Math.round((bin.count / widest) * 30)),
    ]);
  }
  lines.push(table.toString());
  if (d.condition && d.meeting) lines.push(`${quantityLabel(d.quantity)} ${d.condition.op} ${d.condition.value} in ${shareText(d.meeting)} of trials`);
  return lines.join('\n');
}

function quantityOf(opts: { metric?: string; record?: string; shared?: string }): TrialQuantity {
  const given = [opts.metric, opts.record, opts.shared].filter((v) => v !== undefined);
  if (given.length !== 1) throw new InvalidArgumentError('give one of --metric, --record or --shared');
  if (opts.metric !== undefined) return { metric: opts.metric };
  if (opts.record !== undefined) return { record: opts.record };
  return { shared: opts.shared! };
}

function condition(text: string): Condition {
  try {
    return parseCondition(text);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

export function registerDistributionCommand(program: Command, withService: WithService): void {
  program
    .command('distribution')
    .description("a quantity's outcomes over a run's counted trials (run it with --repeat 200 --max-events 0): each outcome's share with an exact 95% interval, a histogram, and how often a condition held")
    .argument('<run>', 'a run id or a unique prefix')
    .option('--metric <name>', 'a run metric (wallMs, cpuUserMs…)')
    .option('--record <name>', "a record (its last value in each trial)")
    .option('--shared <name>', "a shared variable's final value")
    .option('--when <condition>', 'also count the trials meeting a condition, like ">0" or "==20"', condition)
    .option('--json', 'print JSON')
    .action(async (run: string, opts: { metric?: string; record?: string; shared?: string; when?: Condition; json?: boolean }) => {
      const quantity = quantityOf(opts);
      const result = await withService((service) => runDistribution(service, run, quantity, opts.when ?? null));
      process.stdout.write(`${terminalSafe(opts.json ? JSON.stringify(result, null, 2) : formatDistribution(result))}\n`);
    });
}
