import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { electronSqliteAddonPath, selectSqliteAddon, STARTUP_FAILED_EXIT_CODE, startupFailureMessage, StartupError } from '../../src-main/app/startup';

/**
 * The app's start-up, driven without the Electron binary: the built main bundle (out/main/index.js)
 * runs under plain Node with a stand-in `electron` module (fixtures/electron-stand-in.mjs) that
 * reports, as JSON lines, the error boxes shown, the windows opened and the exit code asked for.
 */

const root = join(import.meta.dirname, '..', '..');
const mainBundle = join(root, 'out', 'main', 'index.js');
const register = join(import.meta.dirname, 'fixtures', 'register-electron-stand-in.mjs');
const nodeAddon = join(dirname(createRequire(join(root, 'package.json')).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');

interface Reported {
  readonly event: string;
  readonly title?: string;
  readonly content?: string;
  readonly code?: number;
}

interface Launch {
  readonly events: Reported[];
  readonly exitCode: number | null;
}

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-startup-'));
  // The bundle is built by electron-vite (npm run build); build it here when this checkout has none yet.
  if (!existsSync(mainBundle) || !existsSync(join(root, 'out', 'renderer', 'index.html'))) {
    execFileSync(process.execPath, [join(dirname(createRequire(join(root, 'package.json')).resolve('electron-vite/package.json')), 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: 'ignore' });
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts the main bundle; resolves when it exits, or (stopWhen) kills it once a reported event matches. */
function launch(env: Record<string, string>, stopWhen?: (event: Reported) => boolean): Promise<Launch> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, STAND_IN_USER_DATA: join(dir, 'user-data'), ...env };
    if (!('CONLAB_SQLITE_ADDON' in env)) delete childEnv['CONLAB_SQLITE_ADDON'];
    const child = spawn(process.execPath, ['--import', register, mainBundle], { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: Reported[] = [];
    let pending = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        if (!line.startsWith('{')) continue;
        const event = JSON.parse(line) as Reported;
        events.push(event);
        if (stopWhen?.(event)) child.kill('SIGKILL');
      }
    });
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the app neither exited nor reached the expected point within 45 s; stderr: ${stderr}`));
    }, 45_000);
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve({ events, exitCode: code });
    });
  });
}

describe.skipIf(!existsSync(nodeAddon))('start-up of the built main bundle with a stand-in electron', () => {
  test('an addon that fails to load: one error box naming the addon and what to do, no window, the start-up failure exit code', async () => {
    const broken = join(dir, 'broken', 'better_sqlite3.node');
    execFileSync('mkdir', ['-p', dirname(broken)]);
    writeFileSync(broken, 'this is not a shared library');
    const { events, exitCode } = await launch({ CONLAB_SQLITE_ADDON: broken, CONLAB_DB: join(dir, 'broken.db') });
    expect(exitCode).toBe(STARTUP_FAILED_EXIT_CODE);
    const boxes = events.filter((event) => event.event === 'errorBox');
    expect(boxes).toHaveLength(1);
    expect(boxes[0]!.title).toBe('Concurrency Lab cannot start');
    expect(boxes[0]!.content).toContain('cannot open the run history');
    expect(boxes[0]!.content).toContain(`The SQLite addon ${broken} does not load in this Electron`);
    expect(boxes[0]!.content).toContain('npm start');
    expect(events.map((event) => event.event)).toEqual(['errorBox', 'exit']);
    expect(events[1]!.code).toBe(STARTUP_FAILED_EXIT_CODE);
  });

  test('a missing addon is named in the one message, and the app exits with the start-up failure exit code', async () => {
    const missing = join(dir, 'nowhere', 'better_sqlite3.node');
    const { events, exitCode } = await launch({ CONLAB_SQLITE_ADDON: missing, CONLAB_DB: join(dir, 'missing.db') });
    expect(exitCode).toBe(STARTUP_FAILED_EXIT_CODE);
    expect(events.map((event) => event.event)).toEqual(['errorBox', 'exit']);
    expect(events[0]!.content).toContain(`${missing} does not exist`);
    expect(existsSync(join(dir, 'missing.db'))).toBe(false);
  });

  test('with an addon that loads (Node stands in for Electron here), start-up reaches the window and shows no error', async () => {
    const { events } = await launch({ CONLAB_SQLITE_ADDON: nodeAddon, CONLAB_DB: join(dir, 'good.db') }, (event) => event.event === 'window');
    expect(events.map((event) => event.event)).toEqual(['window']);
    expect(existsSync(join(dir, 'good.db'))).toBe(true);
  });
});

describe('choosing the SQLite addon', () => {
  test('the Electron build sits beside the bundles, unpacked when the app is packaged', () => {
    expect(electronSqliteAddonPath('/opt/lab/resources/app.asar/out')).toBe('/opt/lab/resources/app.asar.unpacked/out/native/electron/better_sqlite3.node');
    expect(electronSqliteAddonPath('/src/lab/out')).toBe('/src/lab/out/native/electron/better_sqlite3.node');
  });

  test('an explicit CONLAB_SQLITE_ADDON is kept; otherwise the Electron build is chosen and exported to children', () => {
    const env: NodeJS.ProcessEnv = { CONLAB_SQLITE_ADDON: nodeAddon };
    expect(selectSqliteAddon({ outDir: '/nowhere', isPackaged: false, env })).toBe(nodeAddon);
    const fresh: NodeJS.ProcessEnv = {};
    expect(() => selectSqliteAddon({ outDir: join(dir, 'no-out'), isPackaged: true, env: fresh })).toThrow(/missing: .*better_sqlite3\.node does not exist; reinstall/);
    expect(fresh['CONLAB_SQLITE_ADDON']).toBeUndefined();
  });

  test('the failure message adds the remedy only to addon load failures', () => {
    const context = { addonPath: '/x/better_sqlite3.node', isPackaged: false, abi: '150' };
    const wrongAbi = new Error("The module '/x/better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115.");
    expect(startupFailureMessage(wrongAbi, context)).toMatch(/NODE_MODULE_VERSION 115[\s\S]*needs NODE_MODULE_VERSION 150\); run `npm start` again/);
    expect(startupFailureMessage(new Error('disk full'), context)).toBe('disk full');
    expect(startupFailureMessage(new StartupError('as it is'), context)).toBe('as it is');
  });
});
