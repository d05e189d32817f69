import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markedProcesses } from '../../src-main/engine/runner/process-tree';
import { findLesson } from '../../src-main/lessons/catalog';
import type { AuthoredSpec } from '../../src-main/model/spec-schema';
import { discoverPython, noPythonMessage, pythonEnv } from '../../src-main/engine/runtimes/python-discovery';
import { commandLine, pollUntil } from '../engine/helpers/procfs';

/**
 * What every CPython test file starts from: the interpreter found here (null: the file's tests are
 * skipped, and `skipReason` says why in their names), and lessons' specs by id.
 */
export const python = discoverPython().found;
export const skipReason = python ? '' : ` (skipped: ${noPythonMessage(discoverPython())})`;

export function lessonSpec(id: string): AuthoredSpec {
  const lesson = findLesson(id);
  if (!lesson) throw new Error(`no lesson ${id}`);
  return lesson.spec;
}

/** The lab's CPython interpreters (and their forked children) that carry the test's marker in their environment. */
export const runtimeProcesses = (marker: string): number[] =>
  markedProcesses(marker).filter((pid) => {
    const command = commandLine(pid);
    return command.startsWith(python!.path) && command.includes('-m conlab_runtime');
  });

/**
 * Runs one trial's interpreter under `sh` with the trial's lines as its input, waits until at least
 * `processes` of its processes run, SIGKILLs the shell and reports whether they all ended within 3 s.
 * `sleep` keeps the interpreter's stdin open after the shell is gone: only its parent-pid watches can
 * notice. Runs in `dir`, the trial's own folder, as the host runs it.
 */
export async function orphanedInterpreter(dir: string, config: Record<string, unknown>, processes: number): Promise<{ started: boolean; gone: boolean }> {
  const input = join(dir, 'input.jsonl');
  writeFileSync(input, `${JSON.stringify({ type: 'trial', ...config })}\n${JSON.stringify({ type: 'go', clockOffsetNs: 0 })}\n`);
  const marker = `CONLAB_TEST_MARK=${randomUUID()}`;
  const [markName, markValue] = marker.split('=') as [string, string];
  const shell = spawn('/bin/sh', ['-c', `(cat "$1"; sleep 600) | "$2" -m conlab_runtime > /dev/null`, 'sh', input, python!.path], {
    cwd: dir,
    env: { ...pythonEnv(), [markName]: markValue },
    detached: true,
    stdio: 'ignore',
  });
  try {
    const started = await pollUntil(() => runtimeProcesses(marker).length >= processes, 15_000);
    if (!started) return { started, gone: false };
    process.kill(shell.pid!, 'SIGKILL');
    return { started, gone: await pollUntil(() => runtimeProcesses(marker).length === 0, 3_000, 20) };
  } finally {
    try {
      process.kill(-shell.pid!, 'SIGKILL');
    } catch {
      // the group is gone
    }
  }
}
