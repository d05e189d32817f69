// Runs the real CLI (bin/conlab.mjs) as a child with a small heap, so a blow-up shows as a crash, and reports
// its exit, output, peak resident memory and whether it had to be killed for running too long.
import { execFile, spawn } from 'node:child_process';
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

export interface SpecRun<T> {
  readonly code: number;
  readonly stderr: string;
  readonly run: T;
  readonly elapsedMs: number;
  readonly db: string;
}

export interface SpecRunOptions {
  /** CLI arguments after the spec file (limits, --repeat, …). */
  readonly extra?: readonly string[];
  /** A V8 heap cap for the CLI, so that a runner that blows up crashes it; none by default. */
  readonly heapMb?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/**
 * Writes `spec` into `dir` and runs it with `conlab run <file> --db <dir>/<name>.db --json`; resolves with the
 * parsed JSON when the CLI exits 0 or 1 (a run that failed is an answer), rejects on anything else (a crash,
 * a signal, the time bound) with the end of its stderr.
 */
export function runSpecJson<T>(dir: string, name: string, spec: unknown, options: SpecRunOptions = {}): Promise<SpecRun<T>> {
  const file = join(dir, `${name}.json`);
  const db = join(dir, `${name}.db`);
  writeFileSync(file, JSON.stringify(spec));
  const started = performance.now();
  const heap = options.heapMb === undefined ? [] : [`--max-old-space-size=${options.heapMb}`];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...heap, bin, 'run', file, '--db', db, '--json', ...(options.extra ?? [])],
      { cwd: dir, maxBuffer: 256 * 1024 * 1024, timeout: options.timeoutMs ?? 90_000, killSignal: 'SIGKILL', env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => {
        const elapsedMs = performance.now() - started;
        const code = error ? ((error as { code?: number | null }).code ?? null) : 0;
        const signal = error ? ((error as { signal?: string | null }).signal ?? null) : null;
        if (signal !== null || (code !== 0 && code !== 1)) {
          reject(new Error(`conlab run ${name} ended with code ${String(code)}, signal ${String(signal)} after ${Math.round(elapsedMs)} ms:\n${stderr.slice(-2_000)}`));
          return;
        }
        resolve({ code, stderr, run: JSON.parse(stdout) as T, elapsedMs, db });
      },
    );
  });
}
