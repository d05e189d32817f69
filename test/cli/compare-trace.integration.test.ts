import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliIn } from './cli-helpers';
import { beforeAll, describe, expect, test } from 'vitest';

let dir: string;
let db: string;

const conlab = cliIn(() => dir, () => db);

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-pairtrace-'));
  db = join(dir, 'history.db');
});

describe('two runs on one timeline', () => {
  test('compare --trace writes both runs as two processes, aligned at their starts or at a named mark', async () => {
    const ids: string[] = [];
    // The second run has a longer window, so its 'locked' phase starts later in its trial than the first's.
    for (const windowMs of ['1', '6']) {
      const ran = await conlab('run', 'race-counter', '--set', 'threads=3', '--set', `windowMs=${windowMs}`, '--set', 'outsideMs=0', '--repeat', '2', '--json');
      ids.push((JSON.parse(ran.stdout) as { runId: string }).runId);
    }
    const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as { traceEvents: TraceEvent[]; metadata: { runs: { runId: string; trial: number }[]; alignedAt: string } };
    const lockedMark = (events: TraceEvent[], pid: number) => events.find((e) => e.pid === pid && e.ph === 'i' && e.name === 'mark' && e.args?.['name'] === 'locked');

    const atStart = await conlab('compare', ids[0]!, ids[1]!, '--trace', 'start.json');
    expect(atStart.code).toBe(0);
    const start = read('start.json');
    expect(start.metadata.runs.map((r) => r.runId)).toEqual(ids);
    const names = start.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name');
    expect(names.map((e) => [e.pid, String(e.args?.['name']).slice(0, 3)])).toEqual([
      [1, 'A: '],
      [2, 'B: '],
    ]);
    for (const pid of [1, 2]) {
      const times = start.traceEvents.filter((e) => e.pid === pid && e.ph !== 'M').map((e) => e.ts);
      expect(times.length).toBeGreaterThan(10);
      // Each run's trial begins at 0 on the shared timeline.
      expect(Math.min(...times)).toBe(0);
    }
    // Both actors' lanes are there for both runs: main and the racers.
    for (const pid of [1, 2]) expect(start.traceEvents.filter((e) => e.pid === pid && e.name === 'thread_name').length).toBeGreaterThanOrEqual(4);

    const atMark = await conlab('compare', ids[0]!, ids[1]!, '--trace', 'mark.json', '--align', 'mark:locked');
    expect(atMark.code).toBe(0);
    const mark = read('mark.json');
    expect(mark.metadata.alignedAt).toBe('mark locked');
    expect(Math.abs(lockedMark(mark.traceEvents, 1)!.ts - lockedMark(mark.traceEvents, 2)!.ts)).toBeLessThan(0.01);
    expect(Math.min(...mark.traceEvents.filter((e) => e.ph !== 'M').map((e) => e.ts))).toBeGreaterThanOrEqual(0);
    // Aligning moves a whole run, nothing inside it: every event of a run keeps its distance to the others.
    for (const pid of [1, 2]) {
      const before = start.traceEvents.filter((e) => e.pid === pid && e.ph !== 'M');
      const after = mark.traceEvents.filter((e) => e.pid === pid && e.ph !== 'M');
      expect(after).toHaveLength(before.length);
      const shift = after[0]!.ts - before[0]!.ts;
      expect(after.every((e, i) => Math.abs(e.ts - before[i]!.ts - shift) < 0.01)).toBe(true);
    }

    const noMark = await conlab('compare', ids[0]!, ids[1]!, '--trace', 'x.json', '--align', 'mark:nowhere');
    expect(noMark.code).toBe(2);
    expect(noMark.stderr).toMatch(/has no mark "nowhere" in trial 0/);
    const badAlign = await conlab('compare', ids[0]!, ids[1]!, '--trace', 'x.json', '--align', 'middle');
    expect(badAlign.code).toBe(2);
    expect(badAlign.stderr).toMatch(/--align is start or mark:<name>, got middle/);
    const three = await conlab('compare', ids[0]!, ids[1]!, ids[0]!, '--trace', 'x.json');
    expect(three.code).toBe(2);
    expect(three.stderr).toMatch(/two runs on one timeline; 3 were given/);
  }, 180_000);
});
