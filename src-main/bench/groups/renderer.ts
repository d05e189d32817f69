import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { engineDir } from '../../engine/entry-paths';
import { makeFigure, type BenchOptions, type Figure, type FigureGroup } from '../figure';

/**
 * Frames per second of the live run view while a run streams 1,000,000 trace events into its canvas
 * timeline (derived actor states, lock holds, hand-offs and counters included), in Debian's Chromium
 * against `conlab serve` with the real engine. Beside it, the same page idle, measured in the same
 * browser just before: `renderer.fps-idle` is what the machine's headless Chromium gives at all.
 */

const CHROMIUM = process.env['CONLAB_CHROMIUM'] ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** 20 threads taking one mutex `rounds` times each, every round traced: three events a round (acquire B/E, release). */
const heavySpec = (rounds: number) => ({
  version: 1,
  title: `bench: ${((rounds * 60) / 1000).toLocaleString('en')}k events`,
  primitives: { L: { type: 'mutex' } },
  actors: [{ name: 'w', kind: 'thread', count: 20, program: [{ op: 'repeat', times: rounds, trace: 'each', steps: [{ op: 'acquire', prim: 'L' }, { op: 'release', prim: 'L' }] }] }],
});
/** 16,667 rounds × 20 threads × 3 events: 1,000,020 events, plus the actors' own. */
const ROUNDS = 16_667;
const EVENTS = ROUNDS * 60;

/** Counts animation frames until stopped; the page keeps drawing whatever it draws meanwhile. */
const FRAME_COUNTER = `(() => {
  window.__frames = 0; window.__counting = true;
  const tick = () => { if (!window.__counting) return; window.__frames++; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  window.__countStarted = performance.now();
})()`;
const FRAME_RESULT = `(() => { window.__counting = false; return { frames: window.__frames, ms: performance.now() - window.__countStarted }; })()`;

function unmeasured(reason: string): Figure[] {
  return [
    makeFigure({
      name: 'renderer.fps-1m-events',
      value: Number.NaN,
      unit: 'frames/s',
      samples: 0,
      notes: [`NOT MEASURED: ${reason}`],
    }),
  ];
}

async function startServe(root: string, dir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(root, 'bin', 'conlab.mjs'), '--db', join(dir, 'renderer-bench.db'), 'serve', '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`conlab serve printed no URL in 30 s: ${output}`)), 30_000);
    child.stdout!.on('data', () => {
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`conlab serve exited with ${code}: ${output}`)));
  });
  return { url, child };
}

async function run(options: BenchOptions): Promise<Figure[]> {
  const root = join(engineDir(), '..', '..');
  if (!existsSync(CHROMIUM)) return unmeasured(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CONLAB_CHROMIUM)`);
  if (!existsSync(join(root, 'out', 'renderer', 'index.html'))) return unmeasured('the renderer is not built: run npm run build first');
  const { url, child } = await startServe(root, options.scratchDir);
  const context = await chromium.launchPersistentContext(join(options.scratchDir, 'chromium-profile'), { executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 900 }, args: ARGS });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${url}#/composer`);
    await page.click('[data-testid="mode-json"]');
    await page.locator('[data-testid="spec-editor"]').fill(JSON.stringify(heavySpec(ROUNDS), null, 2));
    await page.locator('[data-testid="validation"]').filter({ hasText: 'The spec is valid' }).waitFor({ timeout: 30_000 });

    options.log('renderer: idle frame rate');
    await page.evaluate(FRAME_COUNTER);
    await page.waitForTimeout(2_000);
    const idle = (await page.evaluate(FRAME_RESULT)) as { frames: number; ms: number };

    options.log(`renderer: frame rate while ${EVENTS.toLocaleString('en')} events stream into the live view`);
    await page.click('[data-testid="run-spec"]');
    await page.waitForURL(/#\/runs\/.+\/live$/);
    await page.evaluate(FRAME_COUNTER);
    await page.locator('[data-testid="run-ended"]').waitFor({ timeout: 600_000 });
    const live = (await page.evaluate(FRAME_RESULT)) as { frames: number; ms: number };
    const eventCount = async (): Promise<number> => Number((await page.locator('[data-testid="event-count"]').textContent())?.replace(/\D/g, '') ?? 0);
    const streamed = await eventCount();
    // A page that falls behind is sent fewer live messages (the server skips past them); at the end it loads the stored rest.
    const deadline = Date.now() + 180_000;
    let events = streamed;
    while (events < EVENTS && Date.now() < deadline) {
      await page.waitForTimeout(500);
      events = await eventCount();
    }

    const fps = (measure: { frames: number; ms: number }): number => (measure.frames / measure.ms) * 1000;
    const failures = events < EVENTS ? [`the live view showed ${events.toLocaleString('en')} events, fewer than ${EVENTS.toLocaleString('en')}`] : [];
    const idleFps = fps(idle);
    return [
      makeFigure({
        name: 'renderer.fps-1m-events',
        value: fps(live),
        unit: 'frames/s',
        samples: 1,
        baseline: { value: idleFps, label: 'same page idle' },
        target: { of: 'value', op: '>=', limit: 30 },
        failures,
        notes: [
          `renderer: ${streamed.toLocaleString('en')} events drawn live over ${(live.ms / 1000).toFixed(1)} s (${live.frames} frames), headless Chromium without a GPU; ${events.toLocaleString('en')} shown once the run's stored events were loaded after its end`,
        ],
      }),
      makeFigure({
        name: 'renderer.fps-idle',
        value: idleFps,
        unit: 'frames/s',
        samples: 1,
        notes: [`renderer: the composer page idle for ${(idle.ms / 1000).toFixed(1)} s (${idle.frames} frames), the same browser, just before`],
      }),
    ];
  } finally {
    await context.close().catch(() => undefined);
    child.kill('SIGINT');
  }
}

export const rendererGroup: FigureGroup = {
  name: 'renderer',
  description: 'frames per second of the live run view while 1,000,000 events stream in, beside the same page idle (Chromium, browser mode)',
  run,
};
