import { describe, expect, test } from 'vitest';
import { createLabI18n, LOCALES } from '../../src-renderer/i18n';
import { en } from '../../src-renderer/i18n/en';
import { zhCN } from '../../src-renderer/i18n/zh-CN';

/** Every message key, as dotted paths. */
function keys(messages: object, prefix = ''): string[] {
  return Object.entries(messages).flatMap(([key, value]) => (typeof value === 'string' ? [`${prefix}${key}`] : keys(value as object, `${prefix}${key}.`)));
}

describe('UI messages', () => {
  test('both languages have the same keys', () => {
    expect(keys(zhCN).sort()).toEqual(keys(en).sort());
  });

  // A literal brace, @ or | in a message is syntax to vue-i18n: such a message would fail when first shown.
  test.each(LOCALES)('every %s message compiles and renders', (locale) => {
    const i18n = createLabI18n(locale);
    const anyValue = new Proxy({}, { get: (_target, name) => (typeof name === 'string' ? `<${name}>` : undefined), has: () => true });
    for (const key of keys(en)) {
      const rendered = i18n.global.t(key, anyValue as Record<string, unknown>);
      expect(rendered, key).not.toBe(key);
      expect(rendered.length, key).toBeGreaterThan(0);
    }
  });
});
