/**
 * The pack builder's problems in the UI's language: each problem's code (from the builder's own checks or the
 * pack schema's issue, see pack-builder.ts) worded from the packBuilderMessages block with its values. A problem
 * without a code, or with a code the block does not know, keeps its English text. The path is shown as is.
 */

import { en } from '../../i18n/en';
import type { DraftProblem } from './pack-builder';

/** Every code the builder words (the keys of the packBuilderMessages block; zh-CN.ts has the same keys). */
export const PACK_BUILDER_CODES: readonly string[] = Object.keys(en.packBuilderMessages);

/** vue-i18n's `t`, narrowed to what is used here. */
export type Translate = (key: string, params: Record<string, string | number>) => string;

export function wordProblem(problem: DraftProblem, t: Translate): string {
  const code = problem.code;
  if (code === undefined || !Object.hasOwn(en.packBuilderMessages, code)) return problem.message;
  return t(`packBuilderMessages.${code}`, { ...problem.params });
}

/** The problems with their messages worded (paths and codes kept). */
export function wordProblems(problems: readonly DraftProblem[], t: Translate): DraftProblem[] {
  return problems.map((problem) => ({ ...problem, message: wordProblem(problem, t) }));
}
