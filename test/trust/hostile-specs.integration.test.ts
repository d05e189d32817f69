// Hostile specs through the real engine, a real file-receive server and the real CLI: names of
// Object.prototype's properties never alias a declared value, and no file appears outside the run folder.
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { runExperiment } from '../../src-main/engine/runner/experiment';
import { trialWorkDir } from '../../src-main/engine/runner/trial';
import type { Step } from '../../src-main/model/spec-schema';
import { SpecError, validateSpec, type ValidatedSpec } from '../../src-main/engine/spec/validate';
import { startServer } from '../../src-main/net/server';
import { outcome, runSpec } from '../engine/helpers/run-spec';

let scratch: string;
let workRoot: string;
/** A folder outside every run folder: it must stay empty. */
let sentinel: string;
/** A file outside every run folder: its content must stay "original". */
let target: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'conlab-hostile-'));
  workRoot = join(scratch, 'runs');
  sentinel = join(scratch, 'sentinel');
  target = join(scratch, 'target.txt');
  mkdirSync(workRoot);
  mkdirSync(sentinel);
  writeFileSync(target, 'original');
});

function untouched(): void {
  expect(readdirSync(sentinel)).toEqual([]);
  expect(readFileSync(target, 'utf8')).toBe('original');
}

/** Validates a well-formed spec, then puts a name into one of its steps as a spec that slipped past validation would. */
function bypassValidation(spec: unknown, edit: (program: Step[]) => void): ValidatedSpec {
  const validated = validateSpec(spec);
  const copy = structuredClone(validated);
  edit(copy.spec.actors[0]!.program as Step[]);
  return copy;
}

describe('names of built-in object properties, past validation', () => {
  const balance = { scope: 'shared', initial: 5 };

  for (const kind of ['thread', 'process', 'task'] as const) {
    test(`a ${kind} adding to "constructor" fails the run and leaves balance at 5`, async () => {
      const validated = bypassValidation(
        { version: 1, shared: { balance }, actors: [{ name: 'adder', kind, program: [{ op: 'add', var: 'balance', delta: 0 }] }] },
        (program) => {
          program[0] = { op: 'add', var: 'constructor', delta: -12 };
        },
      );
      const { run } = await runExperiment({ spec: null, validated, workRoot });
      const trial = run.trials[0]!;
      expect(trial.status, outcome(trial)).toBe('failed');
      expect(trial.error ?? '').toContain('constructor');
      expect(trial.finalShared).toEqual({ balance: 5 });
    });
  }

  for (const kind of ['thread', 'process', 'task'] as const) {
    test(`a ${kind} acquiring "toString" fails with the name, and the run ends failed`, async () => {
      const validated = bypassValidation(
        { version: 1, primitives: { m: { type: 'mutex' } }, actors: [{ name: 'bad', kind, program: [{ op: 'acquire', prim: 'm' }, { op: 'release', prim: 'm' }] }] },
        (program) => {
          program[0] = { op: 'acquire', prim: 'toString' };
        },
      );
      const { run } = await runExperiment({ spec: null, validated, workRoot });
      const trial = run.trials[0]!;
      expect(trial.status, outcome(trial)).toBe('failed');
      expect(trial.actors.find((a) => a.name === 'bad')!.error).toMatch(/no primitive named toString/);
    });
  }

  test('submitting "valueOf" to a pool, putting to "hasOwnProperty", connecting to "constructor": each fails, none hangs', async () => {
    const base = {
      version: 1,
      queues: { q: { order: 'fifo' } },
      functions: { work: { steps: [{ op: 'return', value: 1 }] } },
      pools: { p: { kind: 'thread', size: 1 } },
      servers: { echo: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } } },
      actors: [{ name: 'main', kind: 'main', program: [{ op: 'log', message: 'x' }] }],
    };
    const hostile: Step[] = [
      { op: 'submit', pool: 'p', function: 'valueOf', into: 'f' },
      { op: 'put', queue: 'hasOwnProperty', value: 1 },
      { op: 'connect', server: 'constructor', into: 'c' },
      { op: 'let', name: 'x', value: { port: 'toString' } },
    ];
    for (const step of hostile) {
      const validated = bypassValidation(base, (program) => {
        program[0] = step;
        if (step.op === 'submit') program.push({ op: 'result', future: { ref: 'f' }, into: 'r' });
      });
      const { run } = await runExperiment({ spec: null, validated, workRoot });
      const trial = run.trials[0]!;
      expect(trial.status, `${step.op}: ${outcome(trial)}`).toBe('failed');
      expect(run.status).toBe('failed');
      expect(trial.error ?? '', step.op).toMatch(/valueOf|hasOwnProperty|constructor|toString/);
    }
  });

  test('records, locals, log placeholders and managed keys named after built-ins are plain names', async () => {
    const { run, trial } = await runSpec(
      {
        version: 1,
        shared: { stock: { scope: 'managed', initial: {} }, balance: { scope: 'shared', initial: 5 } },
        actors: [
          {
            name: 'main',
            kind: 'main',
            program: [
              { op: 'let', name: 'constructor', value: 3 },
              { op: 'write', var: 'stock', index: 'constructor', value: { ref: 'constructor' } },
              { op: 'add', var: 'stock', index: 'toString', delta: 2 },
              { op: 'read', var: 'stock', index: 'valueOf', into: 'missing' },
              { op: 'record', name: 'constructor', value: { at: [{ json: '{}' }, 'constructor'] } },
              { op: 'record', name: 'toString', value: { ref: 'missing' } },
              { op: 'log', message: 'c={constructor} h={hasOwnProperty}', values: { constructor: { ref: 'constructor' } } },
            ],
          },
        ],
        claims: [
          { id: 'records', text: 'records keep their names', check: { compare: [{ record: 'constructor', agg: 'count' }, '==', { const: 1 }] } },
          { id: 'metric', text: 'no metric is named valueOf', check: { compare: [{ metric: 'valueOf' }, '==', { const: 1 }] } },
        ],
      },
      { workRoot },
    );
    expect(trial.status, outcome(trial)).toBe('ok');
    expect(trial.finalShared).toEqual({ balance: 5, stock: { constructor: 3, toString: 2 } });
    expect(trial.records).toEqual({ constructor: [null], toString: [null] });
    expect(run.claims.map((c) => [c.id, c.status])).toEqual([
      ['records', 'holds'],
      ['metric', 'inconclusive'],
    ]);
  });
});

describe('paths stay in the run folder', () => {
  /** Runs `spec` as run `runId` after `plant` prepared its trial folder (symbolic links, say). */
  /**
   * Runs `spec` as run `runId` after `plant` prepared its trial folder (symbolic links, say). The run
   * folder is removed once the run ends: `look` reads it as each batch of events arrives, and the
   * last look (after the actor's final events) is returned.
   */
  async function runPlanted<T = undefined>(runId: string, spec: unknown, plant: (trialDir: string) => void, look?: (trialDir: string) => T) {
    const trialDir = trialWorkDir(workRoot, runId, 0);
    mkdirSync(trialDir, { recursive: true });
    plant(trialDir);
    let seen: T | undefined;
    let plantedLinks: string[] = [];
    const { run } = await runExperiment({
      spec,
      runId,
      workRoot,
      onBatch: () => {
        plantedLinks = readdirSync(trialDir).filter((name) => lstatSync(join(trialDir, name)).isSymbolicLink()).sort();
        if (look) seen = look(trialDir);
      },
    });
    return { run, trial: run.trials[0]!, trialDir, seen, plantedLinks };
  }

  test('absolute paths and .. escapes are refused at validation, with the field', async () => {
    const cases: [unknown, string][] = [
      [{ op: 'file_append', path: `${sentinel}/x.txt`, text: 'x' }, 'actors[0].program[0].path'],
      [{ op: 'file_write', path: '../../../sentinel/x.txt', text: 'x' }, 'actors[0].program[0].path'],
      [{ op: 'file_read', path: 'a/../../x', into: 'x' }, 'actors[0].program[0].path'],
      [{ op: 'file_append', path: 'a\\..\\..\\x', text: 'x' }, 'actors[0].program[0].path'],
      [{ op: 'file_append', path: 'a\u0000b', text: 'x' }, 'actors[0].program[0].path'],
    ];
    for (const [step, path] of cases) {
      const spec = { version: 1, actors: [{ name: 'main', kind: 'main', program: [step] }] };
      const error = await runExperiment({ spec, workRoot }).then(() => null, (caught: unknown) => caught);
      expect(error, JSON.stringify(step)).toBeInstanceOf(SpecError);
      expect((error as SpecError).issues.map((i) => i.path)).toEqual([path]);
    }
    for (const saveDir of [sentinel, '../../../sentinel', 'a/../..', '']) {
      const spec = { version: 1, servers: { files: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'file-receive', saveDir } } }, actors: [{ name: 'main', kind: 'main', program: [] }] };
      const error = await runExperiment({ spec, workRoot }).then(() => null, (caught: unknown) => caught);
      expect(error, saveDir).toBeInstanceOf(SpecError);
      expect((error as SpecError).issues.map((i) => i.path)).toEqual(['servers.files.handler.saveDir']);
    }
    untouched();
  });

  test('a symbolic link planted in the run folder is refused by every file step, never followed', async () => {
    const steps: Step[] = [
      { op: 'file_append', path: 'log.txt', text: 'pwned' },
      { op: 'file_write', path: 'log.txt', text: 'pwned' },
      { op: 'file_read', path: 'log.txt', into: 'x' },
      { op: 'file_append', path: 'out/x.txt', text: 'pwned' },
      { op: 'file_write', path: 'out/deeper/x.txt', text: 'pwned' },
    ];
    for (const [i, step] of steps.entries()) {
      const spec = { version: 1, actors: [{ name: 'worker', kind: i % 2 === 0 ? 'thread' : 'process', program: [step] }] };
      const { trial, plantedLinks: links } = await runPlanted(`links-${i}`, spec, (dir) => {
        symlinkSync(target, join(dir, 'log.txt'));
        symlinkSync(sentinel, join(dir, 'out'));
      });
      expect(trial.status, `${step.op}: ${outcome(trial)}`).toBe('failed');
      expect(trial.error ?? '', step.op).toMatch(/symbolic link/);
      // The links were still in place when the actor ended (the run folder is removed after the run).
      expect(links).toEqual(['log.txt', 'out']);
      untouched();
    }
  });

  test('file steps work inside the run folder, folders created on the way', async () => {
    const spec = {
      version: 1,
      actors: [
        {
          name: 'main',
          kind: 'main',
          program: [
            { op: 'file_append', path: 'out/a/log.txt', text: 'one ' },
            { op: 'file_append', path: './out/a/log.txt', text: 'two' },
            { op: 'file_write', path: 'out/state.json', text: '{"n": 1}' },
            { op: 'file_read', path: 'out/a/log.txt', into: 'log' },
            { op: 'record', name: 'log', value: { ref: 'log' } },
            { op: 'file_read', path: 'out/state.json', into: 'state' },
            { op: 'record', name: 'state', value: { ref: 'state' } },
          ],
        },
      ],
    };
    const { trial } = await runPlanted('inside', spec, () => {});
    expect(trial.status, outcome(trial)).toBe('ok');
    expect(trial.records['log']).toEqual(['one two']);
    expect(trial.records['state']).toEqual(['{"n": 1}']);
  });

  test('a file-receive server saves inside its saveDir in the run folder; a saveDir that is a planted link stops the run', async () => {
    const spec = (saveDir: string) => ({
      version: 1,
      servers: { files: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'file-receive', saveDir } } },
      actors: [{ name: 'main', kind: 'main', program: [{ op: 'send_file', server: 'files', mb: 0.01, into: 'r' }, { op: 'record', name: 'verified', value: { at: [{ ref: 'r' }, 'verified'] } }] }],
    });
    const saved = await runPlanted('save-inside', spec('uploads/in'), () => {}, (dir) => (existsSync(join(dir, 'uploads', 'in')) ? readdirSync(join(dir, 'uploads', 'in')) : []));
    expect(saved.trial.status, outcome(saved.trial)).toBe('ok');
    expect(saved.trial.records['verified']).toEqual([true]);
    expect(saved.seen).toHaveLength(1);
    expect(saved.seen![0]).toMatch(/^upload-\d+-\d+-\d+\.bin$/);

    const linked = await runPlanted('save-link', spec('saved'), (dir) => symlinkSync(sentinel, join(dir, 'saved')));
    expect(linked.trial.status).toBe('failed');
    expect(linked.trial.error).toMatch(/server files could not start: .*saved is a symbolic link/);
    untouched();
  });
});

describe('file names a client sends', () => {
  /** Sends raw bytes to a server and reads everything it answers until it closes or `lines` lines came. */
  function converse(port: number, payload: Buffer | string, lines: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('utf8');
        if (text.split('\n').length - 1 >= lines) socket.end();
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
      socket.end(payload);
    });
  }

  for (const model of ['event-loop', 'thread-per-connection', 'process-per-connection'] as const) {
    test(`${model}: names with paths, .., control characters or too long are refused with an error answer; a planted link is not followed`, async () => {
      const saveDir = join(scratch, `save-${model}`);
      mkdirSync(saveDir);
      symlinkSync(target, join(saveDir, 'victim.bin'));
      const server = await startServer({ protocol: 'tcp', model, handler: { kind: 'file-receive', saveDir } });
      let stopped = false;
      try {
        const { port } = server.address;
        const refused = ['../sentinel/escape.bin', `${sentinel}/abs.bin`, '..', 'a\u0001b', 'tab\tname', `${'n'.repeat(256)}`, 'victim.bin', 'sub\\..\\x'];
        for (const name of refused) {
          const answer = await converse(port, `${name}|3\nabc`, 1);
          expect(answer, JSON.stringify(name)).toMatch(/^error /);
          expect(answer.split('\n').length - 1, JSON.stringify(name)).toBe(1);
        }
        // A bare name, even one a home folder cares about, is a file in saveDir like any other.
        expect(await converse(port, '.bashrc|2\nhi', 1)).toMatch(/^ok 2 [0-9a-f]{64}\n$/);
        expect(readFileSync(join(saveDir, '.bashrc'), 'utf8')).toBe('hi');
        expect(readdirSync(saveDir).sort()).toEqual(['.bashrc', 'victim.bin']);
        untouched();
        const { metrics } = await server.stop();
        stopped = true;
        expect(metrics.filesRefused).toBe(refused.length);
        expect(metrics.requests).toBe(1);
      } finally {
        if (!stopped) await server.stop();
      }
    });
  }
});

describe('file names a client sends, through the engine', () => {
  test('a client step announcing ../../x is answered with an error, counted in the run, and nothing is written', async () => {
    const { trial } = await runSpec(
      {
        version: 1,
        servers: { files: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'file-receive', saveDir: 'in' } } },
        actors: [
          {
            name: 'main',
            kind: 'main',
            program: [
              { op: 'connect', server: 'files', into: 'c' },
              { op: 'send', conn: { ref: 'c' }, data: '../../sentinel/escape.bin|3\nabc' },
              { op: 'recv', conn: { ref: 'c' }, until: '\n', into: 'answer' },
              { op: 'record', name: 'answer', value: { ref: 'answer' } },
            ],
          },
        ],
        claims: [{ id: 'refused', text: 'one upload refused', check: { compare: [{ metric: 'server.files.filesRefused' }, '==', { const: 1 }] } }],
      },
      { workRoot },
    );
    expect(trial.status, outcome(trial)).toBe('ok');
    expect(String(trial.records['answer']![0])).toMatch(/^error the file name "\.\.\/\.\.\/sentinel\/escape\.bin" is not a bare name\n?$/);
    expect(trial.metrics['server.files.filesRefused']).toBe(1);
    untouched();
  });
});

describe('the CLI', () => {
  const bin = join(__dirname, '..', '..', 'bin', 'conlab.mjs');

  test('hostile specs exit 2 with the field named, and nothing appears in the home folder', async () => {
    const home = mkdtempSync(join(scratch, 'home-'));
    writeFileSync(join(home, '.bashrc'), 'original');
    const db = join(scratch, 'cli.db');
    const conlab = async (...args: string[]) => {
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, '--db', db, ...args], { cwd: scratch, env: { ...process.env, HOME: home, LANG: 'en_US.UTF-8' } });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const write = (name: string, spec: unknown): string => {
      const file = join(scratch, name);
      writeFileSync(file, JSON.stringify(spec));
      return file;
    };

    const upload = write('upload.json', {
      version: 1,
      servers: { files: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'file-receive', saveDir: home } } },
      actors: [{ name: 'main', kind: 'main', program: [{ op: 'send_file', server: 'files', mb: 0.01 }] }],
    });
    const escape = write('escape.json', { version: 1, actors: [{ name: 'main', kind: 'main', program: [{ op: 'file_append', path: '../../../../../../../../../../..' + home + '/.bashrc', text: 'pwned' }] }] });
    // Written as text: JSON.stringify itself recurses, and 3,000 levels exhaust a test worker's stack.
    const deep = `${'{"op":"repeat","times":1,"steps":['.repeat(3_000)}{"op":"log","message":"deep"}${']}'.repeat(3_000)}`;
    const nested = join(scratch, 'nested.json');
    writeFileSync(nested, `{"version":1,"actors":[{"name":"main","kind":"main","program":[${deep}]}]}`);
    const builtIn = write('built-in.json', { version: 1, shared: { balance: { scope: 'shared', initial: 5 } }, actors: [{ name: 'main', kind: 'main', program: [{ op: 'add', var: 'constructor', delta: -12 }] }] });
    const params = write('params.json', { version: 1, params: { n: { type: 'integer', default: 1 } }, actors: [{ name: 'main', kind: 'main', program: [] }] });

    const cases: [string[], string][] = [
      [['run', upload], 'servers.files.handler.saveDir: folders live in the run\'s own folder, and it is absolute'],
      [['run', escape], 'actors[0].program[0].path: files live in the run\'s own folder, and it leaves the run folder (..)'],
      // 3,000 levels of steps: the file itself is refused, before it is parsed, at the start and end of its path.
      [['run', nested], 'actors[0].program[0].steps[0]…('],
      [['run', nested], 'levels)….steps[0].steps[0]: nested deeper than 256 levels'],
      [['run', builtIn], 'actors[0].program[0].var: no such shared variable'],
      [['run', params, '--set', '__proto__=1'], '--set __proto__: no such parameter; expected one of n'],
      [['run', params, '--set', 'constructor=1'], '--set constructor: no such parameter; expected one of n'],
    ];
    for (const [args, line] of cases) {
      const result = await conlab(...args);
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(line);
      expect(result.stderr).not.toMatch(/Maximum call stack|TypeError|at .*\.js:\d+/);
    }
    expect(readdirSync(home)).toEqual(['.bashrc']);
    expect(readFileSync(join(home, '.bashrc'), 'utf8')).toBe('original');
    untouched();
  });
});
