import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classCsv, classHtml, classOverview, classText } from '../../src-main/export/class-report';
import { serializeSubmission } from '../../src-main/export/submission';
import { checkLabPack, importSubmissions, serializeLabPack } from '../../src-main/service/packs';
import { makePack, makeSubmission } from './submission-fixture';

const dir = mkdtempSync(join(tmpdir(), 'conlab-class-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('class overview', () => {
  it('imports 40 submissions of a 10-lesson pack in under 10 s and scores them', async () => {
    const read = checkLabPack(makePack(10));
    writeFileSync(join(dir, 'class.conlabpack'), serializeLabPack(read.pack));
    for (let s = 0; s < 40; s++) {
      // Student 39 did only the first 4 lessons.
      writeFileSync(join(dir, `student-${s}.conlabsub`), serializeSubmission(makeSubmission(read.pack, read.hash, s, s === 39 ? { done: 4 } : {})));
    }
    writeFileSync(join(dir, 'broken.conlabsub'), '{"format":"conlab-submission","version":1}');

    const started = performance.now();
    const result = await importSubmissions([dir]);
    const overview = classOverview(result.loaded, result.pack);
    const seconds = (performance.now() - started) / 1000;
    console.log(`class import: 40 submissions × 10 lessons (200 events per run) read, checked and summarised in ${seconds.toFixed(2)} s`);
    expect(seconds).toBeLessThan(10);

    expect(result.pack?.hash).toBe(read.hash);
    expect(result.loaded).toHaveLength(40);
    expect(result.refused).toHaveLength(1);
    expect(result.refused[0]!.message).toMatch(/broken\.conlabsub|submission is refused at/);
    expect(overview.lessons.map((l) => l.id)).toEqual(['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7', 'l8', 'l9', 'l10']);
    expect(overview.students).toHaveLength(40);
    expect(overview.students.every((s) => s.packMatches === true)).toBe(true);

    const s7 = overview.students.find((s) => s.name === '学生 7')!;
    for (const [i, cell] of s7.cells.entries()) {
      expect(cell.done).toBe(true);
      expect(cell.claimsTotal).toBe(2);
      expect(cell.claimsHeld).toBe(i % 3 === 0 ? 1 : 2);
      const final = (7 + i) % 5;
      // The number is right on even lessons; "yes, updates are lost" is right when the counter ended above 0.
      const expected = (i % 2 === 0 ? 1 : 0) + (final > 0 ? 1 : 0);
      expect(cell.predictionsRight, `lesson ${i}`).toBe(expected);
      expect(cell.predictionsScored).toBe(2);
    }
    const s39 = overview.students.find((s) => s.name === '学生 39')!;
    expect(s39.cells.filter((c) => c.done)).toHaveLength(4);
    expect(s39.cells[5]!.runId).toBeNull();

    // Results across machines: lesson l1's unlockedFinal by runtime and core count; every run counted once.
    const l1 = overview.results[0]!.quantities.find((q) => q.label === 'record unlockedFinal')!;
    expect(l1.groups.reduce((n, g) => n + g.n, 0)).toBe(40);
    expect(new Set(l1.groups.map((g) => g.runtime))).toEqual(new Set(['node', 'cpython']));
    expect(new Set(l1.groups.map((g) => g.cpuCount))).toEqual(new Set([2, 4, 8]));
    const node2 = l1.groups.find((g) => g.runtime === 'node' && g.cpuCount === 2)!;
    // Node students are even, 2 cores are multiples of 3: s = 0, 6, 12, 18, 24, 30, 36 → finals (s % 5).
    expect(node2.n).toBe(7);
    expect(node2.min).toBe(0);
    expect(node2.max).toBe(4);

    const csv = classCsv(overview);
    expect(csv.trim().split('\r\n')).toHaveLength(1 + 40 * 10);
    const html = classHtml(overview, 'zh');
    expect(html).toContain('学生 × 实验');
    expect(html).toContain('学生 39');
    expect(classText(overview, 'en')).toMatch(/record unlockedFinal: cpython 2 cores: median/);
  });

  it('escapes what students typed in HTML and CSV', async () => {
    const read = checkLabPack(makePack(1));
    const submission = { ...makeSubmission(read.pack, read.hash, 0, { events: 1 }), student: { name: '=HYPERLINK("x")<script>alert(1)</script>' } };
    const overview = classOverview([{ file: 'x.conlabsub', submission }], read);
    const html = classHtml(overview, 'en');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(classCsv(overview)).toContain(`"'=HYPERLINK(""x"")<script>`);
  });

  it('marks a submission made for another version of the pack, and does not score it', async () => {
    const read = checkLabPack(makePack(2));
    const other = makeSubmission(read.pack, 'b'.repeat(64), 1, { events: 1 });
    const overview = classOverview([{ file: 'o.conlabsub', submission: other }], read);
    expect(overview.students[0]!.packMatches).toBe(false);
  });
});
