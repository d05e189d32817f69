/**
 * The UI's two languages: en.ts and zh-CN.ts hold the same keys, every Chinese value is written in Chinese
 * (none is the English left as it was, except names and symbols that read the same in both), and every
 * placeholder a message fills ({n}, {name} …) is in both languages.
 */
import { describe, expect, it } from 'vitest';
import { en } from '../../src-renderer/i18n/en';
import { zhCN } from '../../src-renderer/i18n/zh-CN';

/** Keys whose Chinese value may equal the English one: product and format names, symbols. */
const SAME_IN_BOTH = new Set([
  'results.trialIndex', // '#'
  'composer.modeJson', // 'JSON'
  'composerTools.asJson', // 'JSON'
  'settings.python', // 'CPython'
  'settings.languages.en', // a language's own name: 'English'
  'settings.languages.zh-CN', // '中文（简体）'
]);

function flatten(messages: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(messages)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else if (value !== null && typeof value === 'object') for (const [inner, text] of flatten(value as object, path)) out.set(inner, text);
    else throw new Error(`${path}: expected a string or a section, got ${typeof value}`);
  }
  return out;
}

const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!))].sort();

describe('UI messages in English and Chinese', () => {
  const english = flatten(en);
  const chinese = flatten(zhCN);

  it('have the same keys', () => {
    expect([...chinese.keys()].filter((key) => !english.has(key))).toEqual([]);
    expect([...english.keys()].filter((key) => !chinese.has(key))).toEqual([]);
    expect(english.size).toBeGreaterThan(300);
  });

  it('has no Chinese value left in English, outside the names and symbols listed', () => {
    const same = [...english].filter(([key, text]) => chinese.get(key) === text && !SAME_IN_BOTH.has(key)).map(([key]) => key);
    expect(same).toEqual([]);
    // The list does not hide keys that have since been translated or removed.
    const stale = [...SAME_IN_BOTH].filter((key) => !english.has(key) || (chinese.get(key) !== english.get(key) && key !== 'settings.languages.zh-CN'));
    expect(stale).toEqual([]);
  });

  it('fill the same placeholders in both languages', () => {
    const differing = [...english].filter(([key, text]) => placeholders(text).join() !== placeholders(chinese.get(key) ?? '').join()).map(([key]) => key);
    expect(differing).toEqual([]);
  });

  it('writes Chinese values with Chinese characters unless they are names or symbols', () => {
    // A value of placeholders and punctuation alone ('{actor}：{state}') has nothing to translate.
    const latinOnly = [...chinese]
      .filter(([key, text]) => !SAME_IN_BOTH.has(key) && !/[\u3400-\u9fff]/.test(text) && /[A-Za-z]/.test(text.replace(/\{\w+\}/g, '')))
      .map(([key, text]) => `${key}: ${text}`);
    expect(latinOnly).toEqual([]);
  });
});
