import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { findPackageRoot } from '../../package-root';
import type { RuntimeInfo, RuntimeName } from '../../model/run-model';

/**
 * Finding a CPython interpreter for the `cpython` runtime: `CONLAB_PYTHON` first, then the Python path of
 * the app's settings, then `python3`, `python` and `py -3` (the Windows launcher) on the PATH. A candidate
 * counts when it runs our runtime package (`-m conlab_runtime --info`) and is CPython 3.9 or newer. Each
 * candidate's verdict is kept, so a refusal can say what was tried.
 *
 * The `cpython-nogil` runtime is a free-threaded build: `CONLAB_PYTHON_NOGIL`, then `python3.14t` and
 * `python3.13t` on the PATH, usable only when the interpreter itself reports the GIL off.
 */

export const MIN_PYTHON: readonly [number, number] = [3, 9];
export const PYTHON_ENV = 'CONLAB_PYTHON';
export const PYTHON_NOGIL_ENV = 'CONLAB_PYTHON_NOGIL';
/** The free-threaded builds looked for on the PATH, newest first. */
export const NOGIL_COMMANDS: readonly string[] = ['python3.14t', 'python3.13t'];
/** The commands looked for on the PATH for the `cpython` runtime, in order (a command may carry arguments). */
const PATH_COMMANDS: readonly (readonly string[])[] = [['python3'], ['python'], ['py', '-3']];
/** A Python path from the settings longer than this is not a path we probe. */
const MAX_SETTING_CHARS = 4096;
const PROBE_TIMEOUT_MS = 10_000;
const MAX_PROBE_BYTES = 64 * 1024;

export interface PythonCandidate {
  /** What was looked for: the CONLAB_PYTHON value, the settings' path or a command (with its arguments). */
  readonly command: string;
  readonly source: 'CONLAB_PYTHON' | 'CONLAB_PYTHON_NOGIL' | 'settings' | 'PATH';
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

function probe(argv: readonly string[], source: PythonCandidate['source'], runtime: RuntimeName = 'cpython'): PythonCandidate {
  const [file = '', ...args] = argv;
  const command = argv.join(' ');
  if ((source !== 'PATH' && (file.includes('/') || file.includes('\\'))) && !existsSync(file)) return { command, source, info: null, problem: 'not found' };
  let text: string;
  try {
    text = execFileSync(file, [...args, '-m', 'conlab_runtime', '--info'], {
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
  if (runtime === 'cpython-nogil' && parsed['gil'] !== false) {
    return { command, source, info: null, problem: `is Python ${version} with the GIL on (sys._is_gil_enabled() is not false): not a free-threaded build` };
  }
  const info: RuntimeInfo = {
    name: runtime,
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

let configuredPath: string | null = null;

/** The Python path of the app's settings (null or empty: none), looked for after CONLAB_PYTHON. */
export function setConfiguredPython(path: string | null | undefined): void {
  const trimmed = path?.trim() ?? '';
  configuredPath = trimmed === '' ? null : trimmed;
}

export function configuredPython(): string | null {
  return configuredPath;
}

/** Looks for an interpreter (cached per CONLAB_PYTHON, the settings' path and PATH; `fresh` looks again). */
export function discoverPython(options: { fresh?: boolean } = {}): PythonDiscovery {
  const explicit = process.env[PYTHON_ENV]?.trim();
  const key = `${explicit ?? ''}\0${configuredPath ?? ''}\0${process.env['PATH'] ?? ''}`;
  if (!options.fresh && cached?.key === key) return cached.result;
  const candidates: PythonCandidate[] = [];
  const usable = (): boolean => candidates.some((c) => c.info !== null);
  if (explicit) candidates.push(probe([explicit], 'CONLAB_PYTHON'));
  if (!usable() && configuredPath !== null) {
    candidates.push(
      configuredPath.length > MAX_SETTING_CHARS || /[\u0000-\u001f]/.test(configuredPath)
        ? { command: configuredPath.slice(0, 80), source: 'settings', info: null, problem: `is not a path (${configuredPath.length} characters, or control characters)` }
        : probe([configuredPath], 'settings'),
    );
  }
  for (const argv of PATH_COMMANDS) {
    if (usable()) break;
    candidates.push(probe(argv, 'PATH'));
  }
  const result = { found: candidates.find((c) => c.info !== null)?.info ?? null, candidates };
  cached = { key, result };
  return result;
}

let cachedNogil: { key: string; result: PythonDiscovery } | null = null;

/** Looks for a free-threaded interpreter for `cpython-nogil` (cached per CONLAB_PYTHON_NOGIL and PATH; `fresh` looks again). */
export function discoverNogilPython(options: { fresh?: boolean } = {}): PythonDiscovery {
  const explicit = process.env[PYTHON_NOGIL_ENV]?.trim();
  const key = `${explicit ?? ''}\0${process.env['PATH'] ?? ''}`;
  if (!options.fresh && cachedNogil?.key === key) return cachedNogil.result;
  const candidates: PythonCandidate[] = [];
  if (explicit) candidates.push(probe([explicit], 'CONLAB_PYTHON_NOGIL', 'cpython-nogil'));
  for (const command of NOGIL_COMMANDS) {
    if (candidates.some((c) => c.info !== null)) break;
    candidates.push(probe([command], 'PATH', 'cpython-nogil'));
  }
  const result = { found: candidates.find((c) => c.info !== null)?.info ?? null, candidates };
  cachedNogil = { key, result };
  return result;
}

/** How a candidate was looked for, as a refusal names it. */
export function candidateLabel(candidate: PythonCandidate): string {
  if (candidate.source === 'CONLAB_PYTHON' || candidate.source === 'CONLAB_PYTHON_NOGIL') return `${candidate.source}=${candidate.command}`;
  if (candidate.source === 'settings') return `the settings' Python path ${candidate.command}`;
  return candidate.command;
}

/** One line for a run that needs CPython and has none: what was looked for and how to point at one. */
export function noPythonMessage(discovery: PythonDiscovery): string {
  const tried = discovery.candidates.map((c) => `${candidateLabel(c)} (${c.problem ?? 'usable'})`).join(', ');
  return `no CPython ${MIN_PYTHON.join('.')}+ found: looked for ${tried}; install python3, set ${PYTHON_ENV} or the Python path in Settings to an interpreter's path`;
}

/** One line for a run on `cpython-nogil` with no free-threaded interpreter: what was looked for and how to point at one. */
export function noNogilPythonMessage(discovery: PythonDiscovery): string {
  const tried = discovery.candidates.map((c) => `${candidateLabel(c)} (${c.problem ?? 'usable'})`).join(', ');
  return `no CPython without the GIL found: looked for ${tried}; install a free-threaded build (python3.13t or newer) or set ${PYTHON_NOGIL_ENV} to its path`;
}
