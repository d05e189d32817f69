// Runs the real CLI (bin/conlab.mjs) as a child with a small heap, so a blow-up shows as a crash, and reports
// its exit, output, peak resident memory and whether it had to be killed for running too long.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');

export interface ConlabResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident set of the process in MB, as it reported at exit; null when it never reached exit. */
  readonly maxRssMb: number | null;
  readonly timedOut: boolean;
}

/** V8's old generation is capped so that materialising a hostile file aborts the process instead of swapping. */
export const HEAP_MB = 256;

export function conlab(dir: string, db: string, args: readonly string[], timeoutMs = 60_000): Promise<ConlabResult> {
  // A preload that writes the peak RSS on exit (a file, so stderr keeps only what the CLI prints).
  const preload = join(dir, 'report-rss.cjs');
  if (!existsSync(preload)) {
    writeFileSync(preload, "process.on('exit', () => require('node:fs').writeFileSync(process.env.CONLAB_TEST_RSS_FILE, String(process.resourceUsage().maxRSS)));\n");
  }
  const rssFile = join(dir, `rss-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--require', preload, bin, '--db', db, ...args], {
      cwd: dir,
      env: { ...process.env, LANG: 'en_US.UTF-8', CONLAB_TEST_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let maxRssMb: number | null = null;
      if (existsSync(rssFile)) {
        maxRssMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
        rmSync(rssFile);
      }
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), maxRssMb, timedOut });
    });
  });
}

/** What the history holds, row counts and run identities, to show a refused import changed nothing. */
export function historyFingerprint(db: string): string {
  const database = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const runs = database.prepare('SELECT id, title, status, event_count FROM runs ORDER BY id').all();
    const counts = Object.fromEntries(
      ['trials', 'events', 'metrics', 'claims', 'tags', 'notes'].map((table) => [table, database.prepare(`SELECT count(*) FROM ${table}`).pluck().get()]),
    );
    return JSON.stringify({ runs, counts });
  } finally {
    database.close();
  }
}
