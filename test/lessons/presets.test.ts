import { describe, expect, test } from 'vitest';
import { validateSpec } from '../../src-main/engine/spec/validate';
import { LESSONS } from '../../src-main/lessons/catalog';

/**
 * Every "try next" suggestion must be doable with the lesson's own parameters: the presets that offer
 * them set only declared parameters, to values the lesson's spec accepts, and every `Set name=value`
 * the English text asks for is one of them.
 */
describe('lesson presets', () => {
  const withPresets = LESSONS.filter((lesson) => (lesson.presets ?? []).length > 0);

  test('lessons offer presets', () => {
    expect(withPresets.length).toBeGreaterThanOrEqual(30);
  });

  test.each(LESSONS.map((lesson) => [lesson.id, lesson] as const))('%s: every preset validates against its spec', (_id, lesson) => {
    const presets = lesson.presets ?? [];
    const declared = lesson.spec.params ?? {};
    expect(new Set(presets.map((p) => p.id)).size).toBe(presets.length);
    for (const preset of presets) {
      expect(preset.id).toMatch(/^[a-z0-9][a-z0-9-]{0,63}$/);
      expect(preset.label.en.length).toBeGreaterThan(0);
      expect(preset.label.zh.length).toBeGreaterThan(0);
      expect(Object.keys(preset.params).length).toBeGreaterThan(0);
      for (const name of Object.keys(preset.params)) expect(Object.keys(declared), `${lesson.id}/${preset.id}: ${name}`).toContain(name);
      expect(() => validateSpec(lesson.spec, { overrides: preset.params }), `${lesson.id}/${preset.id}`).not.toThrow();
      // A preset changes something: at least one value differs from its default.
      const changes = Object.entries(preset.params).filter(([name, value]) => declared[name]?.default !== value);
      expect(changes.length, `${lesson.id}/${preset.id} changes nothing`).toBeGreaterThan(0);
    }
  });

  test.each(LESSONS.map((lesson) => [lesson.id, lesson] as const))('%s: each "Set name=value" in try next is a preset', (_id, lesson) => {
    const asked = [...lesson.text.tryNext.en.matchAll(/\bSet ([A-Za-z]+)=([^\s:,)]+)/g)].map((m) => [m[1] ?? '', (m[2] ?? '').replace(/\.$/, '')] as const);
    for (const [name, value] of asked) {
      const offered = (lesson.presets ?? []).some((preset) => name in preset.params && String(preset.params[name]) === value);
      expect(offered, `${lesson.id}: "Set ${name}=${value}" has no preset`).toBe(true);
    }
  });

  test('a preset with an undeclared parameter or a value out of range is refused by the spec', () => {
    const lesson = LESSONS.find((l) => l.id === 'race-counter');
    expect(lesson).toBeDefined();
    expect(() => validateSpec(lesson?.spec, { overrides: { threads: 100_000 } })).toThrow();
    expect(() => validateSpec(lesson?.spec, { overrides: { nosuch: 1 } })).toThrow();
  });
});
