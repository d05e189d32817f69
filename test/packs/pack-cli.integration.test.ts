import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseSubmission } from '../../src-main/export/submission';

const exec = promisify(execFile);
const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');
let dir: string;

async function conlab(db: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, '--db', db, ...args], { cwd: dir, env: { ...process.env, LANG: 'en_US.UTF-8' }, maxBuffer: 16 * 2 ** 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Two quick lessons: a composed spec that records a value, and a built-in lesson. */
const pack = {
  format: 'conlab-lab-pack',
  version: 1,
  id: 'quick-lab',
  title: { zh: '快速实验', en: 'Quick lab' },
  instructions: { zh: '按顺序做。', en: 'Do them in order.' },
  lessons: [
    {
      id: 'count',
      title: { zh: '数数', en: 'Counting' },
      spec: {
        version: 1,
        params: { n: { type: 'integer', default: 3, min: 1, max: 10 } },
        actors: [{ name: 'a', kind: 'thread', program: [{ op: 'record', name: 'n', value: { param: 'n' } }] }],
      },
      open: ['n'],
      questions: [{ id: 'guess', kind: 'number', text: { zh: '会记下几？', en: 'What is recorded?' }, answerFrom: { record: 'n' } }],
      report: [{ record: 'n' }],
    },
    { id: 'start', lesson: 'thread-start' },
  ],
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-pack-cli-'));
  writeFileSync(join(dir, 'pack.json'), JSON.stringify(pack));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('conlab pack and conlab class', () => {
  test('build, open, run two lessons with predictions, submit; the instructor reads the submissions', async () => {
    const student = join(dir, 'student.db');
    const built = await conlab(student, 'pack', 'build', 'pack.json', '-o', 'quick.conlabpack');
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/quick-lab · 2 lessons · sha256 [0-9a-f]{64}/);
    expect((await conlab(student, 'pack', 'check', 'quick.conlabpack')).stdout).toMatch(/^ok: quick-lab/);

    const before = await conlab(student, 'pack', 'open', 'quick.conlabpack');
    expect(before.stdout).toMatch(/0\/2 done/);

    // Fixed or closed parameters and impossible predictions are refused before anything runs.
    const closed = await conlab(student, 'pack', 'run', 'quick.conlabpack', 'start', '--set', 'threads=2');
    expect(closed.code).toBe(2);
    expect(closed.stderr).toMatch(/not left open by the pack/);
    expect((await conlab(student, 'pack', 'run', 'quick.conlabpack', 'count', '--answer', 'nope=1')).stderr).toMatch(/no question "nope"/);

    const first = await conlab(student, 'pack', 'run', 'quick.conlabpack', 'count', '--set', 'n=5', '--answer', 'guess=5');
    expect(first.code, first.stderr).toBe(0);
    const second = await conlab(student, 'pack', 'run', 'quick.conlabpack', 'start');
    expect(second.code, second.stderr).toBe(0);

    const after = await conlab(student, 'pack', 'open', 'quick.conlabpack', '--json');
    const session = JSON.parse(after.stdout) as { done: number; total: number; lessons: { id: string; runs: number; done: boolean }[] };
    expect(session.done).toBe(2);
    expect(session.lessons.map((l) => [l.id, l.runs, l.done])).toEqual([
      ['count', 1, true],
      ['start', 1, true],
    ]);

    const submitted = await conlab(student, 'pack', 'submit', 'quick.conlabpack', '--name', 'Wang Fang', '-o', 'wang.conlabsub');
    expect(submitted.code, submitted.stderr).toBe(0);
    const submission = await parseSubmission(readFileSync(join(dir, 'wang.conlabsub')));
    expect(submission.runs).toHaveLength(2);
    expect(submission.runs.every((r) => r.events.length > 0)).toBe(true);
    expect(submission.answers).toEqual([expect.objectContaining({ lesson: 'count', question: 'guess', value: 5 })]);

    // The instructor: a folder with the pack and the submission (and a stray bad file).
    mkdirSync(join(dir, 'class'));
    writeFileSync(join(dir, 'class', 'quick.conlabpack'), readFileSync(join(dir, 'quick.conlabpack')));
    writeFileSync(join(dir, 'class', 'wang.conlabsub'), readFileSync(join(dir, 'wang.conlabsub')));
    const teacher = join(dir, 'teacher.db');
    const imported = await conlab(teacher, 'class', 'import', 'class');
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/Wang Fang\s+\d+\s+✓ \d+\/\d+ 1\/1p\s+✓/);
    expect(imported.stdout).toMatch(/imported 1 submissions in [\d.]+ s/);

    const report = await conlab(teacher, 'class', 'report', 'class', '--csv', 'class.csv', '--html', 'class.html', '--lang', 'en');
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/record n: node \d+ cores: median 5 /);
    expect(readFileSync(join(dir, 'class.csv'), 'utf8')).toMatch(/Wang Fang,.*,count,true,/);
    expect(readFileSync(join(dir, 'class.html'), 'utf8')).toContain('Wang Fang');

    writeFileSync(join(dir, 'class', 'evil.conlabsub'), '{"format":"conlab-submission","version":1,"runs":"rm -rf /"}');
    const withBad = await conlab(teacher, 'class', 'import', 'class');
    expect(withBad.code).toBe(2);
    expect(withBad.stderr).toMatch(/refused .*evil\.conlabsub: submission is refused at/);
    expect(withBad.stdout).toMatch(/Wang Fang/);
  });

  test('hostile packs exit 2 with the path of the error and run nothing', async () => {
    const db = join(dir, 'hostile.db');
    writeFileSync(join(dir, 'unknown.json'), JSON.stringify({ ...pack, lessons: [{ id: 'x', lesson: 'format-disk' }] }));
    const unknown = await conlab(db, 'pack', 'build', 'unknown.json', '-o', 'x.conlabpack');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/lab pack is refused at lessons\[0\]\.lesson: no built-in lesson "format-disk"/);
    writeFileSync(join(dir, 'badspec.conlabpack'), JSON.stringify({ ...pack, lessons: [{ ...pack.lessons[0], spec: { version: 1, actors: [{ name: 'a', kind: 'thread', program: [{ op: 'spawn_shell', cmd: 'rm' }] }] } }] }));
    const badSpec = await conlab(db, 'pack', 'open', 'badspec.conlabpack');
    expect(badSpec.code).toBe(2);
    expect(badSpec.stderr).toMatch(/lab pack is refused at lessons\[0\]\.spec\.actors\[0\]\.program\[0\]/);
    const dirAsPack = await conlab(db, 'pack', 'check', dir);
    expect(dirAsPack.code).toBe(2);
    expect(dirAsPack.stderr).toMatch(/not a regular file/);
  });
});
