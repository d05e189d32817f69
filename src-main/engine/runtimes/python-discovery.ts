import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { findPackageRoot } from '../../package-root';
import type { RuntimeInfo } from '../../model/run-model';

/**
 * Finding a CPython interpreter for the `cpython` runtime: `CONLAB_PYTHON` first, then `python3`, then
 * `python` on the PATH. A candidate counts when it runs our runtime package (`-m conlab_runtime --info`)
 * and is CPython 3.9 or newer. Each candidate's verdict is kept, so a refusal can say what was tried.
 */

export const MIN_PYTHON: readonly [number, number] = [3, 9];
export const PYTHON_ENV = 'CONLAB_PYTHON';
const PROBE_TIMEOUT_MS = 10_000;
const MAX_PROBE_BYTES = 64 * 1024;

export interface PythonCandidate {
  /** What was looked for: the CONLAB_PYTHON value or a command name. */
  readonly command: string;
  readonly source: 'CONLAB_PYTHON' | 'PATH';
  readonly info: RuntimeInfo | null;
  /** Why the candidate was not usable (null when it is). */
  readonly problem: string | null;
}

export interface PythonDiscovery {
  readonly found: RuntimeInfo | null;
  readonly candidates: readonly PythonCandidate[];
}

/** The folder that holds the conlab_runtime package (PYTHONPATH for the interpreter). */
export function pythonPackageDir(): string {
  return join(findPackageRoot(), 'resources', 'python').replace(/app\.asar([/\\])/, 'app.asar.unpacked$1');
}

/** The environment a CPython process of the lab runs with: our package first on its path. */
export function pythonEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const own = pythonPackageDir();
  const rest = base['PYTHONPATH'];
  return { ...base, PYTHONPATH: rest ? `${own}${delimiter}${rest}` : own, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
}

function versionAtLeast(version: string, min: readonly [number, number]): boolean {
  const [major, minor] = version.split('.').map((part) => Number.parseInt(part, 10));
  if (major === undefined || minor === undefined || Number.isNaN(major) || Number.isNaN(minor)) return false;
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

function probe(command: string, source: PythonCandidate['source']): PythonCandidate {
  let text: string;
  try {
    text = execFileSync(command, ['-m', 'conlab_runtime', '--info'], {
      env: pythonEnv(),
      encoding: 'utf8',
      timeout: PROBE_TIMEOUT_MS,
      maxBuffer: MAX_PROBE_BYTES,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') return { command, source, info: null, problem: 'not found' };
    const detail = (err.stderr ?? '').trim().split('\n').pop() || err.message;
    return { command, source, info: null, problem: `did not run the lab's runtime: ${detail.slice(0, 200)}` };
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  } catch {
    return { command, source, info: null, problem: 'answered something that is not the runtime\'s JSON' };
  }
  const version = typeof parsed['version'] === 'string' ? parsed['version'] : '';
  if (parsed['name'] !== 'cpython') return { command, source, info: null, problem: `is ${String(parsed['name'])}, not CPython` };
  if (!versionAtLeast(version, MIN_PYTHON)) return { command, source, info: null, problem: `is Python ${version}; ${MIN_PYTHON.join('.')} or newer is needed` };
  const info: RuntimeInfo = {
    name: 'cpython',
    version,
    path: typeof parsed['path'] === 'string' && parsed['path'] ? parsed['path'] : command,
    gil: parsed['gil'] !== false,
    startMethod: typeof parsed['startMethod'] === 'string' ? parsed['startMethod'] : 'spawn',
    modules: { greenlet: moduleVersion(parsed, 'greenlet'), gevent: moduleVersion(parsed, 'gevent') },
  };
  return { command, source, info, problem: null };
}

let cached: { key: string; result: PythonDiscovery } | null = null;

/** The version the interpreter reported for an optional package, or null (not importable, or not a short string). */
function moduleVersion(parsed: Record<string, unknown>, name: string): string | null {
  const modules = parsed['modules'];
  if (modules === null || typeof modules !== 'object') return null;
  const version = (modules as Record<string, unknown>)[name];
  return typeof version === 'string' && version.length <= 64 ? version : null;
}

/** Looks for an interpreter (cached per CONLAB_PYTHON and PATH; `fresh` looks again). */
export function discoverPython(options: { fresh?: boolean } = {}): PythonDiscovery {
  const explicit = process.env[PYTHON_ENV]?.trim();
  const key = `${explicit ?? ''}\0${process.env['PATH'] ?? ''}`;
  if (!options.fresh && cached?.key === key) return cached.result;
  const candidates: PythonCandidate[] = [];
  if (explicit) {
    candidates.push(explicit.includes('/') && !existsSync(explicit) ? { command: explicit, source: 'CONLAB_PYTHON', info: null, problem: 'not found' } : probe(explicit, 'CONLAB_PYTHON'));
  }
  for (const command of ['python3', 'python']) {
    if (candidates.some((c) => c.info !== null)) break;
    candidates.push(probe(command, 'PATH'));
  }
  const result = { found: candidates.find((c) => c.info !== null)?.info ?? null, candidates };
  cached = { key, result };
  return result;
}

/** One line for a run that needs CPython and has none: what was looked for and how to point at one. */
export function noPythonMessage(discovery: PythonDiscovery): string {
  const tried = discovery.candidates.map((c) => `${c.source === 'CONLAB_PYTHON' ? `${PYTHON_ENV}=${c.command}` : c.command} (${c.problem ?? 'usable'})`).join(', ');
  return `no CPython ${MIN_PYTHON.join('.')}+ found: looked for ${tried}; install python3 or set ${PYTHON_ENV} to an interpreter's path`;
}
