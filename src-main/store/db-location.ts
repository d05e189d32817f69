import os from 'node:os';
import path from 'node:path';

/**
 * Where the run history lives by default, shared by the app and the CLI so both see the same runs.
 *
 * The folder is Electron's `app.getPath('userData')` for our product name, computed without Electron
 * (the CLI and browser mode run in plain Node): appData + productName, where appData is
 * `$XDG_CONFIG_HOME` or `~/.config` on Linux, `~/Library/Application Support` on macOS and
 * `%APPDATA%` on Windows. Precedence: an explicit path (the CLI's --db) > `CONLAB_DB` > that default.
 */

export const PRODUCT_NAME = 'Concurrency Lab';
export const DB_FILE_NAME = 'conlab.db';

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

/** Electron's appData folder for the platform. */
export function appDataDir(env: Env, platform: NodeJS.Platform | string, home: string): string {
  if (platform === 'win32') {
    return nonEmpty(env['APPDATA']) ?? path.win32.join(home, 'AppData', 'Roaming');
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support');
  // The XDG base-directory spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = nonEmpty(env['XDG_CONFIG_HOME']);
  return xdg !== undefined && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.config');
}

/** Electron's userData folder for Concurrency Lab. */
export function userDataDir(env: Env, platform: NodeJS.Platform | string, home: string): string {
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  return join(appDataDir(env, platform, home), PRODUCT_NAME);
}

/** A leading `~` is expanded: paths from CONLAB_DB set in a config file or quoted never pass a shell. */
function expandHome(file: string, home: string): string {
  if (file === '~') return home;
  if (file.startsWith('~/') || file.startsWith('~\\')) return path.join(home, file.slice(2));
  return file;
}

export function resolveDbPath(
  explicit?: string,
  env: Env = process.env,
  platform: NodeJS.Platform | string = process.platform,
  home: string = os.homedir(),
): string {
  const chosen = nonEmpty(explicit) ?? nonEmpty(env['CONLAB_DB']);
  if (chosen !== undefined) return path.resolve(expandHome(chosen, home));
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  return join(userDataDir(env, platform, home), DB_FILE_NAME);
}
