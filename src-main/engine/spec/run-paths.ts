/**
 * Paths a spec names (file steps, a file-receive server's saveDir) live in the run's own folder: a
 * relative path, parts separated by `/`, none of them `..`. This is the check at validation; at use,
 * engine/run-folder.ts walks the same parts again and refuses symbolic links. Pure: no Node imports.
 */

import type { Bilingual } from '../../model/spec-issue';

export const MAX_RUN_PATH_LENGTH = 200;

export type RunPathKind = 'file' | 'folder';

/** What is wrong with `path` as a place in the run folder (a clause after "it"/"这个路径"), or null when nothing is. */
export function runPathProblem(path: string, kind: RunPathKind): Bilingual | null {
  if (path.length === 0) return { en: 'it is empty', zh: '是空的' };
  if (path.length > MAX_RUN_PATH_LENGTH) return { en: `it is longer than ${MAX_RUN_PATH_LENGTH} characters`, zh: `超过 ${MAX_RUN_PATH_LENGTH} 个字符` };
  if (/[\u0000-\u001f\u007f]/.test(path)) return { en: 'it holds a control character', zh: '含有控制字符' };
  if (path.includes('\\')) return { en: 'it holds a backslash (separate folders with /)', zh: '含有反斜杠（文件夹之间用 / 分隔）' };
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return { en: 'it is absolute', zh: '是绝对路径' };
  const parts = runPathParts(path, kind);
  if (parts === null) return { en: 'it has an empty part (// or a trailing /)', zh: '有空的部分（// 或结尾的 /）' };
  if (parts.includes('..')) return { en: 'it leaves the run folder (..)', zh: '离开了运行文件夹（..）' };
  if (kind === 'file' && parts.length === 0) return { en: 'it names the run folder itself, not a file', zh: '指的是运行文件夹本身，而不是文件' };
  return null;
}

/**
 * The parts of a path that passed runPathProblem, `.` left out (a folder may end with one `/`);
 * null when a part is empty.
 */
export function runPathParts(path: string, kind: RunPathKind): string[] | null {
  const trimmed = kind === 'folder' && path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const parts = trimmed.split('/');
  if (parts.some((part) => part === '')) return null;
  return parts.filter((part) => part !== '.');
}
