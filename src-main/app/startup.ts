import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the Electron main process checks before it opens anything, kept free of `electron` so that
 * plain Node tests can drive it.
 *
 * node_modules/better-sqlite3 is built for Node (the CLI and the tests use it). Electron embeds a
 * Node of another ABI, so the app loads its own build of the addon, kept beside the bundles
 * (out/native/electron/better_sqlite3.node, prepared by scripts/electron-sqlite.mjs, which `npm start`
 * and `npm run dist` run). The store reads the path from SQLITE_ADDON_ENV; threads and child
 * processes inherit the environment, so every Electron process that opens the database loads the
 * same file.
 */

export const SQLITE_ADDON_ENV = 'CONLAB_SQLITE_ADDON';

/**
 * The exit code of a start-up that failed before any window opened (after its message was shown).
 * scripts/start.mjs knows it by this number and falls back to browser mode, however long the person
 * took to dismiss the message; any other code is the app's own end.
 */
export const STARTUP_FAILED_EXIT_CODE = 3;

/** The Electron build of better-sqlite3 beside the bundles; a packaged app keeps it unpacked (a .node cannot load from inside app.asar). */
export function electronSqliteAddonPath(outDir: string): string {
  return join(outDir, 'native', 'electron', 'better_sqlite3.node').replace(/app\.asar([/\\])/, 'app.asar.unpacked$1');
}

/** A failure before the first window: the message is shown to the person as it is, once. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface SqliteAddonContext {
  readonly outDir: string;
  readonly isPackaged: boolean;
  readonly env: NodeJS.ProcessEnv;
}

function remedy(isPackaged: boolean): string {
  return isPackaged
    ? 'reinstall Concurrency Lab (the package is damaged)'
    : 'run `npm start` again, which prepares it, or `node scripts/electron-sqlite.mjs` (it needs network access once)';
}

/**
 * Chooses the SQLite addon for this process and its children: an explicit CONLAB_SQLITE_ADDON is kept
 * (whoever set it knows better), else the app's Electron build. Returns the path in use; refuses with a
 * StartupError when the file is missing.
 */
export function selectSqliteAddon(context: SqliteAddonContext): string {
  const chosen = context.env[SQLITE_ADDON_ENV] || electronSqliteAddonPath(context.outDir);
  if (!existsSync(chosen)) {
    throw new StartupError(`the Electron build of SQLite (better-sqlite3) is missing: ${chosen} does not exist; ${remedy(context.isPackaged)}.`);
  }
  context.env[SQLITE_ADDON_ENV] = chosen;
  return chosen;
}

const ADDON_LOAD_FAILURE = /NODE_MODULE_VERSION|invalid ELF header|not a valid Win32 application|mach-o|wrong ELF class|dlopen|cannot open shared object|\.node/i;

/** The one message shown when start-up fails: what went wrong and, for an addon that does not load, what to do. */
export function startupFailureMessage(error: unknown, context: { readonly addonPath: string | null; readonly isPackaged: boolean; readonly abi: string }): string {
  const text = error instanceof Error ? error.message : String(error);
  if (error instanceof StartupError) return text;
  if (context.addonPath && ADDON_LOAD_FAILURE.test(text)) {
    return `${text}\n\nThe SQLite addon ${context.addonPath} does not load in this Electron (it needs NODE_MODULE_VERSION ${context.abi}); ${remedy(context.isPackaged)}.`;
  }
  return text;
}
