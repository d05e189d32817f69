import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** One browser-mode session for end-to-end tests: `conlab serve` on a fresh database, and Chromium. */

export const root = resolve(import.meta.dirname, '..', '..');
export const screenshotDir = join(root, 'test', 'e2e', 'screenshots');
export const CHROMIUM = process.env['CONLAB_CHROMIUM'] ?? '/usr/bin/chromium';

export interface BrowserSession {
  readonly url: string;
  readonly dir: string;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly serverOutput: () => string;
  /** Opens a route of the app (`/lessons`, `/runs/<id>`) in the session's page. */
  go(route: string): Promise<void>;
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Prepares the session's folder and database file before the server starts. */
  readonly prepare?: (dir: string, dbPath: string) => void;
  /** Runs the server as this user (and group): root may write any file, another user may not. */
  readonly uid?: number;
}

export async function openSession(options: SessionOptions = {}): Promise<BrowserSession> {
  const dir = mkdtempSync(join(tmpdir(), 'conlab-e2e-'));
  mkdirSync(screenshotDir, { recursive: true });
  options.prepare?.(dir, join(dir, 'history.db'));
  const server: ChildProcess = spawn(process.execPath, [join(root, 'bin', 'conlab.mjs'), '--db', join(dir, 'history.db'), 'serve', '--no-open'], {
    cwd: dir,
    env: { ...process.env, LANG: 'en_US.UTF-8', ...(options.uid !== undefined ? { HOME: dir } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
  let output = '';
  server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`conlab serve printed no URL in 30 s:\n${output}`)), 30_000);
    const look = (): void => {
      const match = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    server.stdout!.on('data', look);
    server.once('exit', (code) => reject(new Error(`conlab serve exited with ${code}:\n${output}`)));
  });

  const context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('dialog', (dialog) => void dialog.accept());
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));

  return {
    url,
    dir,
    context,
    page,
    serverOutput: () => output,
    async go(route: string) {
      await page.goto(`${url}#${route}`);
    },
    async shot(name: string) {
      await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close().catch(() => undefined);
      if (server.exitCode === null) {
        const exited = new Promise((done) => server.once('exit', done));
        server.kill('SIGINT');
        await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
        if (server.exitCode === null) server.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
      if (problems.length > 0) throw new Error(`the page threw: ${problems.join('; ')}`);
    },
  };
}
