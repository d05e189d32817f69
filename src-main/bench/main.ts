// The benchmark (`npm run bench`): figures of the lab's engine beside raw platform baselines, each a
// median of repeated measurements, both sides measured in the same run. Not a test: it reports.
import v8 from 'node:v8';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { currentEnvironment } from '../engine/runner/environment';
import type { Figure, FigureGroup } from './figure';
import { analysisGroup } from './groups/analysis';
import { cpythonGroup } from './groups/cpython';
import { lifecycleGroup } from './groups/lifecycle';
import { memoryGroup } from './groups/memory';
import { mutexGroup } from './groups/mutex';
import { networkGroup } from './groups/network';
import { packsGroup } from './groups/packs';
import { rendererGroup } from './groups/renderer';
import { spawnGroup } from './groups/spawn';
import { storeGroup } from './groups/store-import';
import { traceStoreGroup } from './groups/trace-store';
import { busyShare, loadLine } from './machine-load';
import { machineLine, renderJson, renderTable } from './report';

// V8's concurrent on-stack replacement makes tight loops randomly ~8x slower on these machines
// (ANCHORS.md). Flags are process-wide, so worker threads started later inherit this; forked children
// get it through PROCESS_EXEC_ARGV. Set before any measured code has run hot.
v8.setFlagsFromString('--no-concurrent-osr');

/** Every figure group, in the order they run and print. A new group (network lab, renderer FPS) is added here. */
const GROUPS: readonly FigureGroup[] = [spawnGroup, lifecycleGroup, traceStoreGroup, memoryGroup, storeGroup, mutexGroup, networkGroup, rendererGroup, cpythonGroup, analysisGroup, packsGroup];

interface CliOptions {
  readonly json?: boolean;
  readonly quick?: boolean;
  readonly only?: string;
}

function selectGroups(only: string | undefined, fail: (message: string) => never): FigureGroup[] {
  if (only === undefined) return [...GROUPS];
  const names = only
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !GROUPS.some((group) => group.name === name));
  if (names.length === 0 || unknown.length > 0) {
    fail(`--only: unknown figure group ${unknown.length ? unknown.map((n) => JSON.stringify(n)).join(', ') : '(none given)'}; known groups: ${GROUPS.map((g) => g.name).join(', ')}`);
  }
  return GROUPS.filter((group) => names.includes(group.name));
}

async function main(): Promise<void> {
  const program = new Command()
    .name('bench')
    .description('Concurrency Lab benchmark: engine figures beside raw baselines measured in the same run')
    .option('--json', 'print exactly one JSON object {"figures": [...]} to stdout (progress goes to stderr)')
    .option('--quick', 'fewer repetitions and smaller sizes: a smoke check of the bench, not figures to quote')
    .option('--only <names>', `comma-separated figure groups to run (${GROUPS.map((g) => g.name).join(', ')})`)
    .addHelpText('after', `\nFigure groups:\n${GROUPS.map((g) => `  ${g.name.padEnd(12)} ${g.description}`).join('\n')}`)
    .parse(process.argv);
  const cli = program.opts<CliOptions>();
  const groups = selectGroups(cli.only, (message) => program.error(message));

  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const environment = currentEnvironment();
  log(machineLine(environment));
  const scratchDir = mkdtempSync(join(tmpdir(), 'conlab-bench-'));
  const figures: Figure[] = [];
  const failedGroups: string[] = [];
  const busyBefore = await busyShare();
  const started = performance.now();
  try {
    for (const group of groups) {
      const groupStarted = performance.now();
      try {
        figures.push(...(await group.run({ quick: cli.quick ?? false, scratchDir, log })));
        log(`${group.name}: done in ${((performance.now() - groupStarted) / 1_000).toFixed(1)} s`);
      } catch (error) {
        // One broken group must not hide the others' figures; the exit code still says so.
        failedGroups.push(group.name);
        log(`${group.name}: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
  const totalS = (performance.now() - started) / 1_000;
  const load = loadLine(busyBefore, environment.cpuCount);
  log(`bench finished in ${totalS.toFixed(1)} s${cli.quick ? ' (--quick)' : ''}; ${load}`);

  if (cli.json) {
    process.stdout.write(`${renderJson(figures)}\n`);
  } else {
    const header = [`node flags: --no-concurrent-osr; ${cli.quick ? 'QUICK mode (fewer repetitions: a smoke check, not figures to quote)' : 'full mode'}; ${totalS.toFixed(0)} s`, load];
    if (failedGroups.length) header.push(`FAILED groups (see stderr): ${failedGroups.join(', ')}`);
    process.stdout.write(`${renderTable(figures, environment, header)}\n`);
  }
  if (failedGroups.length > 0) process.exitCode = 1;
}

await main();
