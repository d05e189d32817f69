/**
 * The glossary (docs/glossary.md) at work: no Chinese UI message (src-renderer/i18n/zh-CN.ts) and no Chinese
 * lesson text (src-main/lessons/**) uses a word the glossary refuses for a concept (断言 for a claim,
 * 子程序 for a child process …), and the words it chooses are the ones in use.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LESSONS } from '../src-main/lessons/catalog';

const root = resolve(import.meta.dirname, '..');

interface Term {
  readonly english: string;
  readonly chinese: string;
  readonly refused: readonly string[];
}

/** The glossary's table rows: | English | 中文 | Not | Notes |. */
function readGlossary(markdown: string): Term[] {
  const terms: Term[] = [];
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    if (cells.length !== 4 || cells[0] === 'English' || /^-+$/.test(cells[0]!)) continue;
    const refused = cells[2]!.split(' / ').map((word) => word.trim()).filter(Boolean);
    terms.push({ english: cells[0]!, chinese: cells[1]!, refused });
  }
  return terms;
}

/** Every single-quoted string of a messages file (the values and, harmlessly, nothing else holds Chinese). */
function quotedStrings(source: string): string[] {
  return [...source.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((match) => match[1]!).filter((text) => /[\u3400-\u9fff]/.test(text));
}

/** Every Chinese text of a lesson, with where it is: title, texts, claims, parameter descriptions. */
function lessonChinese(): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  const walk = (value: unknown, where: string): void => {
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if (typeof record['zh'] === 'string' && typeof record['en'] === 'string') {
      out.push({ where, text: record['zh'] });
      return;
    }
    for (const [key, inner] of Object.entries(record)) walk(inner, `${where}.${key}`);
  };
  for (const lesson of LESSONS) walk(lesson, lesson.id);
  return out;
}

/** Where a text uses a refused word: `where: …word… (the concept, and the word to use)`. */
function refusedUses(texts: readonly { where: string; text: string }[], terms: readonly Term[]): string[] {
  const found: string[] = [];
  for (const { where, text } of texts) {
    for (const term of terms) {
      for (const word of term.refused) {
        const at = text.indexOf(word);
        if (at >= 0) found.push(`${where}: “…${text.slice(Math.max(0, at - 8), at + word.length + 8)}…” uses ${word} for ${term.english}: write ${term.chinese}`);
      }
    }
  }
  return found;
}

describe('the glossary in the Chinese texts', () => {
  const terms = readGlossary(readFileSync(join(root, 'docs', 'glossary.md'), 'utf8'));
  const ui = quotedStrings(readFileSync(join(root, 'src-renderer', 'i18n', 'zh-CN.ts'), 'utf8')).map((text) => ({ where: 'zh-CN.ts', text }));
  const lessons = lessonChinese();

  it('is read from docs/glossary.md, with the refused words of the core concepts', () => {
    const byEnglish = new Map(terms.map((term) => [term.english, term]));
    expect(byEnglish.get('claim')?.refused).toEqual(expect.arrayContaining(['断言']));
    expect(byEnglish.get('actor')?.refused).toEqual(expect.arrayContaining(['执行者']));
    expect(byEnglish.get('child process / parent process')?.refused).toEqual(['子程序', '父程序']);
    expect(terms.length).toBeGreaterThan(40);
    expect(ui.length).toBeGreaterThan(300);
    expect(lessons.length).toBeGreaterThan(400);
  });

  it('finds a refused word, and leaves the same characters alone where they mean something else', () => {
    const claim = terms.filter((term) => term.english === 'claim');
    expect(refusedUses([{ where: 'x', text: '这条断言成立' }], claim)).toHaveLength(1);
    expect(refusedUses([{ where: 'x', text: '该声明不成立' }], claim)).toHaveLength(2);
    // 声明 for "declare a charset" is not a claim.
    expect(refusedUses([{ where: 'x', text: '响应声明了字符集：utf-8' }], claim)).toEqual([]);
  });

  it('no UI message uses a refused word', () => {
    expect(refusedUses(ui, terms)).toEqual([]);
  });

  it('no lesson text uses a refused word', () => {
    expect(refusedUses(lessons, terms)).toEqual([]);
  });

  it('the chosen words are the ones in use: 论断, 参与者, 规格, 试验, 子进程', () => {
    const all = [...ui, ...lessons].map((entry) => entry.text).join('\n');
    for (const word of ['论断', '参与者', '规格', '试验', '运行', '子进程', '父进程', '异步任务', '协程', '同步原语', '备注']) expect(all, word).toContain(word);
  });
});
