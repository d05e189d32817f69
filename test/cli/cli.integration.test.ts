import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');
let dir: string;
let db: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function conlab(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, '--db', db, ...args], { cwd: dir, env: { ...process.env, LANG: 'en_US.UTF-8' }, maxBuffer: 64 * 2 ** 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const quickSpec = {
  version: 1,
  title: 'quick spec',
  params: { n: { type: 'integer', default: 3, min: 1, max: 10 } },
  shared: { total: { scope: 'shared', initial: 0 } },
  actors: [{ name: 'adder', kind: 'thread', count: { param: 'n' }, program: [{ op: 'add', var: 'total', delta: 1 }] }],
  claims: [
    { id: 'all-added', text: 'every thread added one', check: { compare: [{ shared: 'total' }, '==', { const: { param: 'n' } }] } },
    { id: 'impossible', text: 'the total exceeds 100', check: { compare: [{ shared: 'total' }, '>', { const: 100 }] } },
  ],
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-cli-'));
  db = join(dir, 'history.db');
});

describe('conlab', () => {
  test('list --json prints every lesson with chapter and both titles', async () => {
    const result = await conlab('list', '--json');
    expect(result.code).toBe(0);
    const lessons = JSON.parse(result.stdout) as { id: string; chapter: string; title: { en: string; zh: string } }[];
    expect(lessons.map((l) => l.id)).toContain('race-counter');
    for (const lesson of lessons) {
      expect(Object.keys(lesson).sort()).toEqual(['chapter', 'id', 'title']);
      expect(lesson.title.en.length).toBeGreaterThan(0);
      expect(lesson.title.zh).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  test('list --lang zh shows Chinese chapter titles', async () => {
    const result = await conlab('list', '--lang', 'zh');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('线程与锁');
  });

  test('schema prints a JSON Schema an editor can use', async () => {
    const result = await conlab('schema');
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout) as { $schema: string; properties: Record<string, unknown> };
    expect(schema.$schema).toContain('json-schema.org');
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['version', 'actors', 'primitives', 'claims']));
  });

  test('run --json prints one object with runId, status, claims, metrics and trials; a failed claim exits 1', async () => {
    const file = join(dir, 'quick.json');
    writeFileSync(file, JSON.stringify(quickSpec));
    const result = await conlab('run', file, '--set', 'n=4', '--repeat', '2', '--json');
    expect(result.code).toBe(1);
    const out = JSON.parse(result.stdout) as {
      runId: string;
      status: string;
      claims: { id: string; text: { en: string }; status: string; detail: string }[];
      metrics: Record<string, { n: number }>;
      trials: { finalShared: Record<string, unknown> }[];
    };
    expect(out.status).toBe('ok');
    expect(out.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.claims.map((c) => [c.id, c.status])).toEqual([
      ['all-added', 'holds'],
      ['impossible', 'fails'],
    ]);
    for (const claim of out.claims) expect(claim.detail.length).toBeGreaterThan(0);
    expect(out.metrics['wallMs']?.n).toBe(2);
    expect(out.trials).toHaveLength(2);
    expect(out.trials[0]?.finalShared['total']).toBe(4);
  });

  test('a run whose claims hold exits 0; history, show-run, tag, export, delete and import round-trip', async () => {
    const file = join(dir, 'holds.json');
    writeFileSync(file, JSON.stringify({ ...quickSpec, claims: [quickSpec.claims[0]] }));
    const ran = await conlab('run', file, '--json');
    expect(ran.code).toBe(0);
    const { runId } = JSON.parse(ran.stdout) as { runId: string };

    const history = await conlab('history', '--json');
    expect((JSON.parse(history.stdout) as { id: string }[]).map((r) => r.id)).toContain(runId);

    expect((await conlab('tag', runId.slice(0, 8), 'demo')).code).toBe(0);
    const tagged = JSON.parse((await conlab('history', '--tag', 'demo', '--json')).stdout) as { id: string }[];
    expect(tagged.map((r) => r.id)).toEqual([runId]);

    const shown = JSON.parse((await conlab('show-run', runId, '--json')).stdout) as { id: string; trials: unknown[] };
    expect(shown.id).toBe(runId);

    const logFile = join(dir, 'run.json.gz');
    expect((await conlab('export', runId, '--format', 'json.gz', '--out', logFile)).code).toBe(0);
    const log = JSON.parse(gunzipSync(readFileSync(logFile)).toString('utf8')) as { format: string; run: { id: string }; events: unknown[] };
    expect(log.format).toBe('conlab-run-log');
    expect(log.run.id).toBe(runId);
    expect(log.events.length).toBeGreaterThan(0);

    const traceFile = join(dir, 'run.trace.json');
    expect((await conlab('export', runId, '--format', 'trace', '--out', traceFile)).code).toBe(0);
    expect((JSON.parse(readFileSync(traceFile, 'utf8')) as { traceEvents: unknown[] }).traceEvents.length).toBeGreaterThan(0);

    const htmlFile = join(dir, 'run.html');
    expect((await conlab('export', runId, '--format', 'html', '--out', htmlFile)).code).toBe(0);
    const html = readFileSync(htmlFile, 'utf8');
    expect(html).toContain('every thread added one');
    expect(html).toContain('✓');
    expect(html).toMatch(/<svg[^>]*aria-label="timeline"/);
    expect(html).not.toMatch(/<script|src="http|href="http/);
    // --lang zh: the same report in Chinese (headings, labels, the timeline's name).
    const zhFile = join(dir, 'run.zh.html');
    expect((await conlab('export', runId, '--format', 'html', '--lang', 'zh', '--out', zhFile)).code).toBe(0);
    const zh = readFileSync(zhFile, 'utf8');
    expect(zh).toContain('<html lang="zh-CN">');
    expect(zh).toContain('<h2>论断</h2>');
    expect(zh).toMatch(/<svg[^>]*aria-label="时间线"/);
    expect(zh).not.toContain('<h2>Claims</h2>');
    expect((await conlab('export', runId, '--format', 'html', '--lang', 'fr', '--out', zhFile)).code).toBe(2);

    const csvFile = join(dir, 'events.csv');
    expect((await conlab('export', runId, '--format', 'csv-events', '--out', csvFile)).code).toBe(0);
    expect(readFileSync(csvFile, 'utf8')).toContain('adder');

    expect((await conlab('import', logFile)).stdout).toContain('already in the history');
    expect((await conlab('delete', runId)).code).toBe(0);
    expect((await conlab('show-run', runId)).code).toBe(2);
    const imported = await conlab('import', logFile);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(`imported run ${runId}`);
    const again = JSON.parse((await conlab('show-run', runId, '--json')).stdout) as { id: string; claims: { status: string }[] };
    expect(again.claims.map((c) => c.status)).toEqual(['holds']);
  });

  test('compare prints ratios for two runs', async () => {
    const file = join(dir, 'cmp.json');
    writeFileSync(file, JSON.stringify({ ...quickSpec, claims: [] }));
    const a = JSON.parse((await conlab('run', file, '--repeat', '3', '--json')).stdout) as { runId: string };
    const b = JSON.parse((await conlab('run', file, '--repeat', '3', '--json')).stdout) as { runId: string };
    const reportFile = join(dir, 'compare.html');
    const result = await conlab('compare', a.runId, b.runId, '--json', '--html', reportFile);
    expect(result.code).toBe(0);
    const report = readFileSync(reportFile, 'utf8');
    expect(report).toContain('Comparison of 2 runs');
    expect(report).toContain(a.runId.slice(0, 8));
    expect(report).toContain('<svg');
    expect(report).not.toMatch(/<script|src="http|href="http/);
    const comparison = JSON.parse(result.stdout) as { baselineId: string; metrics: { name: string; ratios: ({ ratio: number | null } | null)[] }[] };
    expect(comparison.baselineId).toBe(a.runId);
    const wall = comparison.metrics.find((m) => m.name === 'wallMs');
    expect(wall?.ratios[0]?.ratio).toBeGreaterThan(0);
  });

  test('bad input exits 2 with one clear message and no stack trace', async () => {
    const unknownLesson = await conlab('run', 'no-such-lesson');
    expect(unknownLesson.code).toBe(2);
    expect(unknownLesson.stderr).toContain('no lesson named no-such-lesson');
    expect(unknownLesson.stderr).not.toMatch(/\n\s+at /);

    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ version: 1, actors: [{ name: 'a', kind: 'thread', program: [{ op: 'sleep', ms: 'soon' }] }] }));
    const badSpec = await conlab('run', file);
    expect(badSpec.code).toBe(2);
    expect(badSpec.stderr).toContain('actors[0].program[0].ms');
    expect(badSpec.stderr).toContain('the spec is not valid (1 problem)');
    expect(badSpec.stderr).not.toMatch(/\n\s+at /);
    // --lang zh: the same problem in Chinese, by the same path.
    const badSpecZh = await conlab('run', file, '--lang', 'zh');
    expect(badSpecZh.code).toBe(2);
    expect(badSpecZh.stderr).toContain('实验规格无效（1 个问题）');
    expect(badSpecZh.stderr).toContain('actors[0].program[0].ms: 不是可接受的写法；应为 一个数');
    expect(badSpecZh.stderr).toContain('实际为 "soon"');

    const badSet = await conlab('run', 'semaphore', '--set', 'permits=zero');
    expect(badSet.code).toBe(2);
    expect(badSet.stderr).toContain('--set permits');

    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{ not json');
    const broken = await conlab('import', notJson);
    expect(broken.code).toBe(2);
    expect(broken.stderr).not.toMatch(/\n\s+at /);

    const badOption = await conlab('run', 'semaphore', '--repeat', '0');
    expect(badOption.code).toBe(2);
    expect(existsSync(db)).toBe(true);
  });
});
