/** What checking a spec answers: its problems, each at a JSON path, or the parameter values it will run with. */

export interface SpecIssue {
  /** JSON path in the authored spec, e.g. `actors[0].program[2].prim`; `--set n` for an override. */
  readonly path: string;
  readonly message: string;
  readonly received?: string;
  readonly expected?: string;
  /**
   * The same issue in Chinese: its message, and `expected` / `received` where they are words rather than the spec's
   * own values (a name, a number) or lists of names. Absent for an issue the validator does not word (it is shown in
   * English); a field absent here is shown as in English.
   */
  readonly zh?: SpecIssueZh;
}

/** A phrase in both languages (a part of an issue's message). */
export interface Bilingual {
  readonly en: string;
  readonly zh: string;
}

export interface SpecIssueZh {
  readonly message: string;
  readonly expected?: string;
  readonly received?: string;
}

/** An issue's texts in a language: the Chinese ones where the issue has them, else the English. */
export function wordSpecIssue(issue: SpecIssue, lang: 'en' | 'zh'): { message: string; expected?: string; received?: string } {
  const zh = lang === 'zh' ? issue.zh : undefined;
  const expected = zh?.expected ?? issue.expected;
  const received = zh?.received ?? issue.received;
  return { message: zh?.message ?? issue.message, ...(expected !== undefined ? { expected } : {}), ...(received !== undefined ? { received } : {}) };
}

/** The issues as lines (at most `max`, the rest counted), headed by how many there are: for a terminal or an error's message. */
export function formatSpecIssues(issues: readonly SpecIssue[], max = 12, lang: 'en' | 'zh' = 'en'): string {
  const zh = lang === 'zh';
  const lines = issues.slice(0, max).map((issue) => {
    const { message, expected, received } = wordSpecIssue(issue, lang);
    const parts = [`${issue.path || (zh ? '（规格）' : '(spec)')}: ${message}`];
    if (expected !== undefined) parts.push(zh ? `应为 ${expected}` : `expected ${expected}`);
    if (received !== undefined) parts.push(zh ? `实际为 ${received}` : `got ${received}`);
    return `  - ${parts.join(zh ? '；' : '; ')}`;
  });
  if (issues.length > max) lines.push(zh ? `  … 还有 ${issues.length - max} 个` : `  … and ${issues.length - max} more`);
  if (zh) return `实验规格无效（${issues.length} 个问题）：\n${lines.join('\n')}`;
  return `the spec is not valid (${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}):\n${lines.join('\n')}`;
}

/** Chinese for "one of a, b, c": names listed as they are written in the spec. */
export function oneOfZh(names: readonly string[]): string {
  return `以下之一：${names.join('、')}`;
}

/** Chinese for "a name declared in <section>". */
export function declaredInZh(section: string): string {
  return `在 ${section} 中声明的名字`;
}

/** Parameter values after defaults and overrides: what `{"param": name}` is replaced with. */
export type ParamValues = Record<string, number | boolean | string>;

export type ValidationResult = { readonly ok: true; readonly params: ParamValues } | { readonly ok: false; readonly issues: readonly SpecIssue[] };
