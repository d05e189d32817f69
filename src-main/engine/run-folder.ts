import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { runPathParts, runPathProblem, type RunPathKind } from './spec/run-paths';

/**
 * Files a spec names, at use: resolved inside the run's folder, every folder on the way checked with
 * lstat (a symbolic link planted in the run folder is refused, never followed), the file itself
 * opened with O_NOFOLLOW (and O_NONBLOCK, so a FIFO planted there cannot hang the actor). Paths were
 * checked at validation already (spec/run-paths.ts); they are checked again here because this is where
 * a mistake would write outside.
 */

export class RunFolderError extends Error {
  override readonly name = 'RunFolderError';
}

/** Absent on platforms without it (Windows); there the lstat walk is the only guard. */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const NON_BLOCK = constants.O_NONBLOCK ?? 0;

/** The largest file a file_read step reads into a local. */
export const MAX_READ_BYTES = 16 * 2 ** 20;

function checked(path: string, kind: RunPathKind): string[] {
  const problem = runPathProblem(path, kind);
  const parts = problem === null ? runPathParts(path, kind) : null;
  if (problem !== null || parts === null) throw new RunFolderError(`${JSON.stringify(path)} is not a place in the run folder: ${problem?.en ?? 'it has an empty part'}`);
  return parts;
}

/**
 * The folder `parts` below `root`, each part checked with lstat: a real folder, never a symbolic
 * link. Missing folders are created when `create` is set. Returns its absolute path.
 */
async function walkFolders(root: string, parts: readonly string[], shown: string, create: boolean): Promise<string> {
  let here = root;
  for (const part of parts) {
    here = join(here, part);
    let stats = await lstat(here).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (stats === null) {
      if (!create) throw new RunFolderError(`${shown}: the folder ${part} does not exist in the run folder`);
      await mkdir(here).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      stats = await lstat(here);
    }
    if (stats.isSymbolicLink()) throw new RunFolderError(`${shown}: ${part} is a symbolic link; links are not followed out of the run folder`);
    if (!stats.isDirectory()) throw new RunFolderError(`${shown}: ${part} is not a folder`);
  }
  return here;
}

/** A folder of the run folder (a file-receive server's saveDir), created when missing; its absolute path. */
export async function runFolderDir(root: string, relative: string): Promise<string> {
  return walkFolders(root, checked(relative, 'folder'), JSON.stringify(relative), true);
}

/** The absolute path of a file in the run folder, its folders checked (and created when `create`). */
export async function runFolderFile(root: string, relative: string, create: boolean): Promise<string> {
  const parts = checked(relative, 'file');
  const folder = await walkFolders(root, parts.slice(0, -1), JSON.stringify(relative), create);
  return join(folder, parts[parts.length - 1]!);
}

/** Sibling files written by replaceRunFile in this thread. */
let replacements = 0;

export type FileUse = 'read' | 'append' | 'replace';

const FLAGS: Record<FileUse, number> = {
  read: constants.O_RDONLY,
  append: constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND,
  replace: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
};

/**
 * Opens a file by its absolute path without following a symbolic link in its last part, and only
 * when it is a regular file. `shown` names it in errors.
 */
export async function openNoFollow(path: string, use: FileUse, shown: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, FLAGS[use] | NO_FOLLOW | NON_BLOCK, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new RunFolderError(`${shown} is a symbolic link; links are not followed out of the run folder`);
    if (code === 'ENXIO' || code === 'EISDIR') throw new RunFolderError(`${shown} is not a regular file`);
    throw error;
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new RunFolderError(`${shown} is not a regular file`);
  }
  return handle;
}

/** Reads a file of the run folder as UTF-8, at most MAX_READ_BYTES. */
export async function readRunFile(root: string, relative: string): Promise<string> {
  const handle = await openNoFollow(await runFolderFile(root, relative, false), 'read', JSON.stringify(relative));
  try {
    const { size } = await handle.stat();
    if (size > MAX_READ_BYTES) throw new RunFolderError(`${JSON.stringify(relative)} holds ${size} bytes; file_read reads at most ${MAX_READ_BYTES}`);
    const buffer = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Appends text to a file of the run folder, creating it (and its folders) when missing. */
export async function appendRunFile(root: string, relative: string, text: string): Promise<void> {
  const handle = await openNoFollow(await runFolderFile(root, relative, true), 'append', JSON.stringify(relative));
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/**
 * Replaces a file of the run folder whole: writes a sibling named with `temporarySuffix`, then renames it over the
 * file (rename replaces a link itself, never what it points to), so a reader sees the old or the new
 * content, never half of it.
 */
export async function replaceRunFile(root: string, relative: string, text: string, temporarySuffix: string): Promise<void> {
  const file = await runFolderFile(root, relative, true);
  // Renaming over a link would replace the link, not its target; it is refused all the same, as every file step does.
  const existing = await lstat(file).catch(() => null);
  if (existing?.isSymbolicLink()) throw new RunFolderError(`${JSON.stringify(relative)} is a symbolic link; links are not followed out of the run folder`);
  // Tasks of one runner share a process and a thread: a count keeps their siblings apart too.
  const sibling = `${temporarySuffix}.${++replacements}.tmp`;
  const temporary = `${file}.${sibling}`;
  const handle = await openNoFollow(temporary, 'replace', JSON.stringify(`${relative}.${sibling}`));
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}
