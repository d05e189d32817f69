import { describe, expect, test } from 'vitest';
import { LESSONS } from '../../src-main/lessons/catalog';
import { SEED_MAP, seedMapLessonIds } from '../../src-main/lessons/seed-map';

describe('seed map', () => {
  const ids = new Set(LESSONS.map((lesson) => lesson.id));

  test('every lesson id it names exists', () => {
    for (const tutorial of SEED_MAP) {
      for (const section of tutorial.sections) {
        expect(section.lessons.length, `${tutorial.id} · ${section.heading}`).toBeGreaterThan(0);
        for (const id of section.lessons) expect(ids.has(id), `${tutorial.id} · ${section.heading}: ${id}`).toBe(true);
      }
    }
  });

  test('it reaches almost every lesson; the ones it does not are lessons the tutorials have no section for', () => {
    const mapped = new Set(seedMapLessonIds());
    const unmapped = LESSONS.map((lesson) => lesson.id).filter((id) => !mapped.has(id));
    expect(unmapped).toEqual(['pipe']);
  });

  test('tutorials, headings and notes are well formed, in both languages', () => {
    expect(new Set(SEED_MAP.map((t) => t.id)).size).toBe(SEED_MAP.length);
    for (const tutorial of SEED_MAP) {
      const headings = tutorial.sections.map((s) => s.heading);
      expect(new Set(headings).size, tutorial.id).toBe(headings.length);
      for (const item of [tutorial.about, ...tutorial.sections.map((s) => s.about), ...tutorial.outdated.map((n) => n.note)]) {
        expect(item.en.length).toBeGreaterThan(0);
        expect(item.zh).toMatch(/[\u4e00-\u9fff]/);
      }
      // A note concerns one of the tutorial's own sections.
      for (const note of tutorial.outdated) expect(headings, `${tutorial.id}: ${note.heading}`).toContain(note.heading);
    }
  });

  test('the notes cover the places where the tutorials are out of date', () => {
    const notes = SEED_MAP.flatMap((t) => t.outdated.map((n) => n.note.en)).join('\n');
    expect(notes).toMatch(/PyPy has a GIL/);
    expect(notes).toMatch(/3\.5 to 3\.7/);
    expect(notes).toMatch(/target=work\(\).*in the parent/);
    expect(notes).toMatch(/epoll.*mmap.*It does not/s);
    expect(notes).toMatch(/Python 2/);
  });
});
