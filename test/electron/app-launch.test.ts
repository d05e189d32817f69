import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { addonAbi, electronAddonPath, electronTarget } from '../../scripts/electron-sqlite.mjs';

/**
 * Launches the real desktop app where Electron's binary exists. On our offline machines the
 * electron package is installed without its binary (it downloads it from GitHub on first launch),
 * so this is skipped with the reason in its name.
 */
const root = join(import.meta.dirname, '..', '..');

function electronBinary(): string | null {
  try {
    const packageDir = dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'));
    const pathFile = join(packageDir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const binary = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
const target = electronTarget(root);
// The app loads SQLite from its Electron build (npm start or npm run electron-sqlite prepares it).
const sqliteReady = target.ok && addonAbi(electronAddonPath(root)) === target.abi;
const reason = !binary
  ? "skipped: Electron's binary is not installed on this machine (offline; npx install-electron where GitHub is reachable)"
  : sqliteReady
    ? 'Electron binary and its SQLite build found'
    : 'skipped: the Electron build of SQLite is missing or of another ABI (npm run electron-sqlite)';

describe(`desktop app (${reason})`, () => {
  test.skipIf(!binary || !sqliteReady || !existsSync(join(root, 'out', 'main', 'index.js')))('opens the lessons page and answers contract calls over IPC', async () => {
    const { _electron } = await import('playwright-core');
    const dir = mkdtempSync(join(tmpdir(), 'conlab-electron-'));
    const app = await _electron.launch({ executablePath: binary!, args: [root], env: { ...process.env, CONLAB_DB: join(dir, 'history.db') } });
    try {
      const window = await app.firstWindow();
      await window.locator('[data-lesson="race-counter"]').waitFor({ timeout: 30_000 });
      expect(await window.evaluate('typeof window.conlab.request')).toBe('function');
      expect(await window.evaluate('typeof window.require')).toBe('undefined');
      const response = (await window.evaluate("window.conlab.request('lessons.list', {})")) as { ok: boolean };
      expect(response.ok).toBe(true);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
