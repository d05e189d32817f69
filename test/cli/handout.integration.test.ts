import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cliIn } from './cli-helpers';

let dir: string;
const conlab = cliIn(
  () => dir,
  () => join(dir, 'history.db'),
);

const pack = {
  format: 'conlab-lab-pack',
  version: 1,
  id: 'print-lab',
  title: { zh: '打印实验', en: 'Print lab' },
  instructions: { zh: '先预测，再运行。', en: 'Predict, then run.' },
  lessons: [
    {
      id: 'count',
      title: { zh: '数数', en: 'Counting' },
      spec: {
        version: 1,
        params: { n: { type: 'integer', default: 3, min: 1, max: 10 } },
        actors: [{ name: 'counter', kind: 'thread', program: [{ op: 'record', name: 'n', value: { param: 'n' } }] }],
        claims: [{ id: 'n-recorded', text: { zh: '记下 n', en: 'n is recorded' }, check: { compare: [{ record: 'n' }, '>=', { const: 1 }] } }],
      },
      fixed: { n: 7 },
      questions: [{ id: 'guess', kind: 'number', text: { zh: '会记下几？', en: 'What is recorded?' }, answerFrom: { record: 'n' }, tolerance: { absolute: 0 } }],
    },
    { id: 'race', lesson: 'race-counter' },
  ],
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-handout-cli-'));
  writeFileSync(join(dir, 'pack.json'), JSON.stringify(pack));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('conlab handout', () => {
  test("writes a lesson's handout and answer key, and a pack's, in the language and paper asked for", async () => {
    const lesson = await conlab('handout', 'race-counter', '--lang', 'en');
    expect(lesson.code, lesson.stderr).toBe(0);
    expect(lesson.stdout).toMatch(/^wrote race-counter-handout-a4-en\.html \([\d,]+ bytes\)/);
    const html = readFileSync(join(dir, 'race-counter-handout-a4-en.html'), 'utf8');
    expect(html).toContain('@page{size:A4;');
    // The lesson's whole CPython program, as `conlab show race-counter --python` prints it.
    expect(html).toMatch(/<pre class="program"[^>]*><code>#!\/usr\/bin\/env python3\n/);
    expect(html).toMatch(/^THREADS = 20$/m);
    expect(html).not.toContain('class="key"');

    const key = await conlab('handout', 'race-counter', '--lang', 'zh-CN', '--paper', 'letter', '--answers', '-o', 'key.html');
    expect(key.code, key.stderr).toBe(0);
    const keyHtml = readFileSync(join(dir, 'key.html'), 'utf8');
    expect(keyHtml).toContain('@page{size:Letter;');
    expect(keyHtml).toContain('<html lang="zh-CN">');
    expect(keyHtml).toContain('教师用卷');

    const built = await conlab('pack', 'build', 'pack.json', '-o', 'print.conlabpack');
    expect(built.code, built.stderr).toBe(0);
    const packed = await conlab('handout', 'print.conlabpack', '--lang', 'en', '--answers', '-o', '-');
    expect(packed.code, packed.stderr).toBe(0);
    expect(packed.stdout).toContain('<h1>Print lab</h1>');
    expect(packed.stdout.match(/<section class="lesson"/g)).toHaveLength(2);
    expect(packed.stdout).toContain('N = 7'); // the value the pack fixes
    expect(packed.stdout).toContain('Scored from the run: record n');
    expect(packed.stdout).toContain('Accepted within ± 0 of the measured value.');
    // The pack's JSON source is read the same way.
    expect((await conlab('handout', 'pack.json', '--lang', 'en', '-o', '-')).stdout).toContain('<h1>Print lab</h1>');
  });

  test('refuses bad input with exit 2, naming what was wrong', async () => {
    const unknown = await conlab('handout', 'no-such-lesson');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no lesson named no-such-lesson/);

    const hostile = { ...pack, lessons: [{ ...pack.lessons[0], questions: [{ id: 'x', kind: 'number', text: { zh: '问', en: 'Q' }, answerFrom: { code: 'rm -rf /' } }] }] };
    writeFileSync(join(dir, 'hostile.json'), JSON.stringify(hostile));
    const refused = await conlab('handout', 'hostile.json');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refused at lessons\[0\]\.questions\[0\]\.answerFrom/);

    writeFileSync(join(dir, 'garbage.conlabpack'), 'not json at all');
    const garbage = await conlab('handout', 'garbage.conlabpack');
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toMatch(/garbage\.conlabpack/);

    const missing = await conlab('handout', 'missing.conlabpack');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read missing\.conlabpack/);

    expect((await conlab('handout', 'race-counter', '--lang', 'fr')).stderr).toMatch(/--lang must be zh-CN or en, got fr/);
    expect((await conlab('handout', 'race-counter', '--paper', 'a3')).code).toBe(2);
  });
});
