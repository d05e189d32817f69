// One value a step builds is capped (limits.maxValueBytes) where it is built, on any actor kind, naming
// the step's path; what still escapes the caps meets the runner's V8 heap cap and is recorded as the
// runner running out of memory, not a machine-wide blow-up. Real `conlab run` children, real runners.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSpecJson } from './conlab-process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_LIMIT_CAPS } from '../../src-main/model/limit-caps';
import { runnerHeapMb } from '../../src-main/engine/runner/runner-process';
import { RunStore } from '../../src-main/store/run-store';

const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');
const MB = 1024 * 1024;
/** A runner doing nothing heavy sits near 100–150 MB; a string doubled 30 times would take gigabytes. */
const RUNNER_RSS_BOUND_MB = 400;
const CASE_BOUND_MS = 90_000;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conlab-value-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface RunJson {
  readonly runId: string;
  readonly status: string;
  readonly trials: readonly {
    readonly status: string;
    readonly error: string | null;
    readonly metrics: Record<string, number>;
    readonly actors: readonly { readonly name: string; readonly exit: string; readonly error: string | null }[];
  }[];
}

function conlabRun(name: string, spec: unknown, extra: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; run: RunJson; db: string }> {
  return runSpecJson<RunJson>(dir, name, spec, { extra, env, heapMb: 512, timeoutMs: CASE_BOUND_MS });
}

function storedRunError(db: string, runId: string): string | null {
  const store = RunStore.open(db, { recoverInterrupted: false });
  try {
    return (store.db.prepare('SELECT error FROM runs WHERE id = ?').get(runId) as { error: string | null }).error;
  } finally {
    store.db.close();
  }
}

/** `let s = s + s`, `times` times, from a two-character string: 2^(times+1) characters if nothing stops it. */
function doubling(kind: string, times: number): unknown {
  return {
    version: 1,
    actors: [
      {
        name: 'doubler',
        kind,
        program: [
          { op: 'let', name: 's', value: 'xy' },
          { op: 'repeat', times, steps: [{ op: 'let', name: 's', value: { concat: [{ ref: 's' }, { ref: 's' }] } }] },
        ],
      },
    ],
  };
}

describe('limits.maxValueBytes: a value is refused as it is built', () => {
  test('a task doubling a string 30 times fails at the cap, naming the limit and the step path; the runner stays small', async () => {
    const { code, run } = await conlabRun('task-concat', doubling('task', 30));
    expect(code).toBe(1);
    expect(run.status).toBe('failed');
    const trial = run.trials[0]!;
    expect(trial.error).toBe('actor doubler exceeded limits.maxValueBytes (4 MB) building a concat at program[1].steps[0] (let)');
    expect(trial.actors.find((a) => a.name === 'doubler')?.exit).toBe('failed');
    expect(trial.metrics['runnerPeakRssMb']).toBeLessThan(RUNNER_RSS_BOUND_MB);
  });

  test('a thread doubling a list of shared parts fails at the cap a spec asked for, inside a branch', async () => {
    const { code, run } = await conlabRun('thread-list', {
      version: 1,
      limits: { maxValueBytes: 64 * 1024 },
      actors: [
        {
          name: 'lister',
          kind: 'thread',
          program: [
            { op: 'let', name: 'l', value: { list: [1] } },
            {
              op: 'repeat',
              times: 60,
              steps: [{ op: 'if', cond: { truthy: true }, then: [{ op: 'let', name: 'l', value: { list: [{ ref: 'l' }, { ref: 'l' }] } }] }],
            },
          ],
        },
      ],
    });
    expect(code).toBe(1);
    expect(run.trials[0]!.error).toBe('actor lister exceeded limits.maxValueBytes (64 KB) building a list at program[1].steps[0].then[0] (let)');
  });

  test('values under the cap are built as before', async () => {
    // 2^17 characters: 128 KB, far under the default 4 MB.
    const { code, run } = await conlabRun('under', {
      version: 1,
      actors: [
        {
          name: 'doubler',
          kind: 'thread',
          program: [
            { op: 'let', name: 's', value: 'xy' },
            { op: 'repeat', times: 16, steps: [{ op: 'let', name: 's', value: { concat: [{ ref: 's' }, { ref: 's' }] } }] },
            { op: 'record', name: 'length', value: { len: { ref: 's' } } },
          ],
        },
      ],
    });
    expect(code).toBe(0);
    expect(run.status).toBe('ok');
  });

  test('a cap above the configured one is refused before the run (bad input)', async () => {
    const file = join(dir, 'too-high.json');
    writeFileSync(file, JSON.stringify({ ...(doubling('task', 1) as object), limits: { maxValueBytes: DEFAULT_LIMIT_CAPS.maxValueBytes + 1 } }));
    const stderr = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'run', file, '--db', join(dir, 'too-high.db')], { cwd: dir, timeout: CASE_BOUND_MS }, (error, _stdout, err) => {
        resolve({ code: error ? ((error as { code?: number | null }).code ?? null) : 0, stderr: err });
      });
    });
    expect(stderr.code).toBe(2);
    expect(stderr.stderr).toMatch(/limits\.maxValueBytes/);
    expect(stderr.stderr).toMatch(/--max-value-bytes/);
  });
});

describe('the runner has a V8 heap cap', () => {
  test('derived from the caps: 2 GB for the defaults, more for larger caps, overridable', () => {
    expect(runnerHeapMb(DEFAULT_LIMIT_CAPS, undefined)).toBe(2_048);
    const large = { ...DEFAULT_LIMIT_CAPS, maxEventBytes: 2_048 * MB };
    expect(runnerHeapMb(large, undefined)).toBeGreaterThan(4_096);
    expect(runnerHeapMb(DEFAULT_LIMIT_CAPS, '300')).toBe(300);
    // A nonsense override is ignored, not obeyed.
    expect(runnerHeapMb(DEFAULT_LIMIT_CAPS, 'lots')).toBe(2_048);
    expect(runnerHeapMb(DEFAULT_LIMIT_CAPS, '1')).toBe(2_048);
  });

  test('a value that escapes the caps ends the run failed with the runner out of memory, recorded', async () => {
    // The value cap raised out of the way: only the heap cap (128 MB here) is left to stop the doubling.
    const { code, run, db } = await conlabRun('heap-cap', doubling('task', 40), ['--max-value-bytes', String(2 ** 40)], { CONLAB_RUNNER_HEAP_MB: '128' });
    expect(code).toBe(1);
    expect(run.status).toBe('failed');
    expect(storedRunError(db, run.runId)).toMatch(/^the runner ran out of memory \(heap cap 128 MB\)/);
  });
});
