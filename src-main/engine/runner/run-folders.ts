import { constants, mkdirSync, writeFileSync } from 'node:fs';
import { lstat, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hasProcfs, readProcStat } from '../procfs';

/**
 * Run folders: a run works in `<workRoot>/<runId>` (one `trial-<n>` folder per trial inside) and
 * removes it when it ends. A runner that died (killed, crashed) could not, so every folder records its
 * owner — the runner's pid and that process's start time — and the next runner to start removes the
 * folders whose owner is dead. It never removes a folder whose owner is alive: several runners (CLIs,
 * the app, test runs) share the default work root at once.
 */

export const OWNER_FILE = 'conlab-owner.json';

/** A folder without an owner file (written by an older version) is removed only when untouched this long. */
const OWNERLESS_MAX_AGE_MS = 7 * 24 * 3_600_000;
/** A sweep looks at this many entries at most: a work root is not ours to walk without bound. */
const MAX_SWEPT_ENTRIES = 10_000;
/** An owner file is one short JSON line. */
const MAX_OWNER_BYTES = 256;

interface Owner {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat; null where there is no /proc. */
  readonly start: string | null;
}

/** A process's start time (clock ticks since boot, /proc/<pid>/stat field 22), or null when it is gone or there is no /proc. */
export function processStartTime(pid: number): string | null {
  return readProcStat(pid)?.startTicks ?? null;
}

function isAlive(owner: Owner): boolean {
  if (owner.start !== null && hasProcfs()) return processStartTime(owner.pid) === owner.start;
  // Without /proc a pid cannot be told from a later process that reuses it: treat it as the owner.
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner file's text (at most MAX_OWNER_BYTES, never through a link), or null when there is none. */
async function readOwnerFile(dir: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(join(dir, OWNER_FILE), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const buffer = Buffer.alloc(MAX_OWNER_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

function parseOwner(text: string): Owner | null {
  if (text.length > MAX_OWNER_BYTES) return null;
  try {
    const value = JSON.parse(text) as { pid?: unknown; start?: unknown };
    if (typeof value.pid !== 'number' || !Number.isSafeInteger(value.pid) || value.pid <= 0) return null;
    if (value.start !== null && typeof value.start !== 'string') return null;
    return { pid: value.pid, start: value.start };
  } catch {
    return null;
  }
}

/** Creates the run's folder and records this process as its owner. */
export function claimRunFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const owner: Owner = { pid: process.pid, start: processStartTime(process.pid) };
  writeFileSync(join(dir, OWNER_FILE), `${JSON.stringify(owner)}\n`);
}

/**
 * Removes the run folders under `workRoot` whose owner is dead; returns their names. Folders of live
 * owners, entries that are not folders, and folders it cannot read stay untouched.
 */
export async function sweepStaleRunFolders(workRoot: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(workRoot);
  } catch {
    return []; // no work root yet
  }
  const removed: string[] = [];
  for (const name of names.slice(0, MAX_SWEPT_ENTRIES)) {
    const dir = join(workRoot, name);
    try {
      const entry = await lstat(dir);
      if (!entry.isDirectory()) continue; // never follow a link out of the work root
      const ownerText = await readOwnerFile(dir);
      if (ownerText === null) {
        // No owner recorded: an older version's folder, or one created a moment ago whose owner file
        // is being written. Only a folder nobody touched for days can be neither.
        if (Date.now() - (await stat(dir)).mtimeMs < OWNERLESS_MAX_AGE_MS) continue;
      } else {
        // An owner file we cannot read as ours is kept: when in doubt, the folder is someone's.
        const owner = parseOwner(ownerText);
        if (owner === null || isAlive(owner)) continue;
      }
      await rm(dir, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // a folder that vanished or cannot be read: another runner's business
    }
  }
  return removed;
}

const sweptRoots = new Set<string>();

/** Sweeps a work root once per runner process (its first run there). */
export async function sweepOnce(workRoot: string): Promise<string[]> {
  if (sweptRoots.has(workRoot)) return [];
  sweptRoots.add(workRoot);
  return sweepStaleRunFolders(workRoot);
}
