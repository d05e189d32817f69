/**
 * Paths a spec names (file steps, a file-receive server's saveDir) live in the run's own folder: a
 * relative path, parts separated by `/`, none of them `..`. This is the check at validation; at use,
 * engine/run-folder.ts walks the same parts again and refuses symbolic links. Pure: no Node imports.
 */

export const MAX_RUN_PATH_LENGTH = 200;

export type RunPathKind = 'file' | 'folder';

/** What is wrong with `path` as a place in the run folder, or null when nothing is. */
export function runPathProblem(path: string, kind: RunPathKind): string | null {
  if (path.length === 0) return 'it is empty';
  if (path.length > MAX_RUN_PATH_LENGTH) return `it is longer than ${MAX_RUN_PATH_LENGTH} characters`;
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'it holds a control character';
  if (path.includes('\\')) return 'it holds a backslash (separate folders with /)';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'it is absolute';
  const parts = runPathParts(path, kind);
  if (parts === null) return 'it has an empty part (// or a trailing /)';
  if (parts.includes('..')) return 'it leaves the run folder (..)';
  if (kind === 'file' && parts.length === 0) return 'it names the run folder itself, not a file';
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
