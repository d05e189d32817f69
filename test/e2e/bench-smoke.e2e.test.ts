import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { CHROMIUM } from './browser-session';

/**
 * `npm run bench` is not a test, but it drives the same pages and engine as the tests do: a quick run
 * of two of its groups (the page-driving one and the lifecycle one) keeps it from breaking silently
 * when the app changes. Figures of a quick run are not quoted; only their presence and the checks are.
 */

const root = resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);

interface BenchFigure {
  readonly name: string;
  readonly value: number | null;
  readonly unit: string;
  readonly target: string | null;
  readonly meets: boolean | null;
}

describe.skipIf(!existsSync(CHROMIUM))('the benchmark still runs (quick mode)', () => {
  test('renderer and lifecycle groups produce their figures as JSON', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'out', 'bench', 'bench.mjs'), '--quick', '--only', 'lifecycle,renderer', '--json'], { cwd: root, timeout: 600_000, maxBuffer: 8 * 2 ** 20 });
    const { figures } = JSON.parse(stdout) as { figures: BenchFigure[] };
    const byName = new Map(figures.map((figure) => [figure.name, figure]));
    expect([...byName.keys()].sort()).toEqual(['lifecycle.cancel', 'lifecycle.cancel-under-cpu', 'lifecycle.deadlock.process', 'lifecycle.deadlock.thread', 'lifecycle.responsive-under-cpu', 'renderer.fps-1m-events', 'renderer.fps-idle']);
    for (const figure of figures) expect(Number.isFinite(figure.value), figure.name).toBe(true);
    // Targets far above what this machine measures (≈ 12 ms and ≈ 300 ms): a miss is a regression, not noise.
    expect(byName.get('lifecycle.cancel')).toMatchObject({ target: 'value <= 500', meets: true });
    expect(byName.get('lifecycle.deadlock.thread')).toMatchObject({ meets: true });
    expect(byName.get('lifecycle.deadlock.process')).toMatchObject({ meets: true });
    expect(byName.get('renderer.fps-1m-events')!.value).toBeGreaterThan(0);
    expect(byName.get('renderer.fps-idle')!.value).toBeGreaterThan(0);
  }, 660_000);
});
