/**
 * The step catalog: every op of the step language in one place, grouped for the composer's add-step
 * menu, with the fields a new step starts with, the optional fields it may take (each with a starting
 * value), what it does and the trace events it emits; and the one rule of the language it states that the
 * engine reads too, when a repeat is a summary (isSummaryRepeat). Pure, shared by the renderer, the spec
 * reference (`docs/spec-language.md`'s step table is rendered from it by `renderStepTable`, and a test
 * keeps the two equal), the tests that check it against the engine's schema, and the conformance
 * suite that runs every op on every actor kind and checks its events against `trace`.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export interface OpShape {
  /** Fields a new step starts with (the required ones, with a usable default). */
  readonly fields: JsonObject;
  /** Fields that may be added later, with the value they start from. */
  readonly optional?: JsonObject;
  /** What the step does, in one line. */
  readonly does: string;
  /**
   * The events it emits, in order, with the op's own name: `B`egin and `E`nd of a span or an `I`nstant,
   * each with the keys of its data (`key?` when only sometimes there, `…` when more keys may follow).
   * Empty: the step emits nothing.
   */
  readonly trace: readonly string[];
  /**
   * The one runtime that has the step (absent: every runtime). A CPython-only step (a multiprocessing
   * pipe, a shared Value's lock, a select/epoll/socket-option probe) is refused by the Node engine
   * before anything starts, and the Node conformance suite leaves it out by this mark.
   */
  readonly runtime?: 'cpython';
}

const conn: Json = { ref: 'conn' };

/** Every op of the step language, grouped as the add-step menu shows them. */
export const STEP_GROUPS: readonly { readonly group: string; readonly ops: Readonly<Record<string, OpShape>> }[] = [
  {
    group: 'work',
    ops: {
      compute: { fields: { iterations: 1_000_000 }, does: "CPU work on the actor's thread (an integer loop the optimizer cannot remove)", trace: ['B {iterations}', 'E {result}'] },
      sleep: { fields: { ms: 100 }, does: 'waits yielding: other tasks of the loop run meanwhile', trace: ['B {ms}', 'E {}'] },
      block: { fields: { ms: 100 }, does: "waits blocking the thread (for a task: the runner's whole loop)", trace: ['B {ms}', 'E {}'] },
      generator_pingpong: { fields: { switches: 100_000 }, optional: { into: 'result' }, does: 'generator switching, timed as a whole', trace: ['B {switches}', 'E {switches, ms, perSecond}'] },
    },
  },
  {
    group: 'data',
    ops: {
      let: { fields: { name: 'x', value: 0 }, does: 'sets a local', trace: ['I {name, value}'] },
      read: { fields: { var: '', into: 'value' }, optional: { index: 0 }, does: 'reads a shared or managed variable into a local', trace: ['I {var, index?, value}'] },
      write: { fields: { var: '', value: 0 }, optional: { index: 0 }, does: 'writes a shared or managed variable (read-then-write is not atomic)', trace: ['I {var, index?, value}'] },
      add: { fields: { var: '', delta: 1 }, optional: { index: 0, into: 'value' }, does: 'adds to a shared or managed variable atomically; `into` gets the new value', trace: ['I {var, index?, delta, value}'] },
    },
  },
  {
    group: 'sync',
    ops: {
      acquire: { fields: { prim: '' }, optional: { blocking: false, timeoutMs: 1_000, into: 'ok' }, does: "takes a lock or a semaphore (or a condition's lock); `into` gets whether it did", trace: ['B {prim}', 'E {prim, ok}'] },
      release: { fields: { prim: '' }, does: "releases a lock or a semaphore (or a condition's lock)", trace: ['I {prim}'] },
      wait: { fields: { prim: '' }, optional: { timeoutMs: 1_000, into: 'passed' }, does: 'waits on an event, a condition (its lock held) or a barrier; `into` gets whether it passed', trace: ['B {prim}', 'E {prim, passed, index?}'] },
      set: { fields: { prim: '' }, does: 'sets an event', trace: ['I {prim}'] },
      clear: { fields: { prim: '' }, does: 'clears an event', trace: ['I {prim}'] },
      notify: { fields: { prim: '' }, optional: { n: 1, all: true }, does: 'wakes n (default 1) or all waiters of a condition (its lock held)', trace: ['I {prim, n}'] },
      var_lock: { fields: { var: '' }, does: "takes the own lock of a shared `value` or `array` (multiprocessing's get_lock())", trace: ['B {var}', 'E {var}'], runtime: 'cpython' },
      var_unlock: { fields: { var: '' }, does: "releases the own lock of a shared `value` or `array`", trace: ['I {var}'], runtime: 'cpython' },
    },
  },
  {
    group: 'queues',
    ops: {
      put: { fields: { queue: '', value: 0 }, optional: { priority: 0, blocking: false, timeoutMs: 1_000, into: 'ok' }, does: 'puts an item in a queue; without `into`, a full queue fails the actor', trace: ['B {queue, value}', 'E {queue, ok}'] },
      get: { fields: { queue: '' }, optional: { blocking: false, timeoutMs: 1_000, into: 'item' }, does: 'takes an item from a queue into `into`; without `into`, an empty queue fails the actor', trace: ['B {queue}', 'E {queue, ok, value?}'] },
      task_done: { fields: { queue: '' }, does: 'marks one item of a joinable queue done', trace: ['I {queue}'] },
      pipe_send: { fields: { pipe: '', end: 1, value: 0 }, does: "sends a value into one end of a `pipes` entry (multiprocessing.Pipe); a one-way pipe sends from end 1 only", trace: ['B {pipe, end, value}', 'E {pipe, end}'], runtime: 'cpython' },
      pipe_recv: { fields: { pipe: '', end: 0, into: 'message' }, optional: { status: 'status', timeoutMs: 1_000 }, does: 'receives the next value at one end of a pipe; `status` gets "message", "eof" (every copy of the other end closed) or "timeout", without it only a message passes', trace: ['B {pipe, end}', 'E {pipe, end, status, value?}'], runtime: 'cpython' },
      pipe_close: { fields: { pipe: '', end: 1 }, does: "closes this actor's process's copy of one end of a pipe", trace: ['I {pipe, end}'], runtime: 'cpython' },
    },
  },
  {
    group: 'actors',
    ops: {
      spawn: { fields: { actor: '' }, optional: { index: 0 }, does: 'starts the instances of a group declared with `autostart: false` (or one, by index)', trace: ['B {actor}', 'E {actor, names}'] },
      join: { fields: { actor: '' }, optional: { queue: '', index: 0, timeoutMs: 1_000 }, does: 'waits for a group (or one instance) to end, or for every item of a queue to be done (`queue` instead of `actor`)', trace: ['B {actor?, queue?}', 'E {actor?, queue?, ok}'] },
      terminate: { fields: { actor: '' }, optional: { index: 0 }, does: 'ends a group (or one instance) from outside', trace: ['I {actor, index}'] },
      is_alive: { fields: { actor: '', into: 'alive' }, optional: { index: 0 }, does: 'whether a group (or one instance) still runs', trace: ['I {actor, alive}'] },
      list_actors: { fields: { into: 'names' }, optional: { group: '' }, does: 'names of the running instances (of one group)', trace: ['I {names}'] },
    },
  },
  {
    group: 'pools',
    ops: {
      submit: { fields: { pool: '', function: '' }, optional: { arg: 0, callback: '', into: 'future' }, does: "submits a function call to a pool; `into` gets its future; `callback` runs on the pool's callback lane", trace: ['B {pool, function, arg}', 'E {pool, future}'] },
      result: { fields: { future: { ref: 'future' } }, optional: { timeoutMs: 1_000, into: 'value' }, does: "waits for a future's value", trace: ['B {future}', 'E {future, value}'] },
      map: { fields: { pool: '', function: '', args: [1, 2, 3] }, optional: { into: 'values' }, does: "runs a function on each argument in a pool; the values in the arguments' order", trace: ['B {pool, function, count}', 'E {pool, values}'] },
      shutdown: { fields: { pool: '' }, optional: { wait: true }, does: 'shuts a pool down (waiting for its tasks by default)', trace: ['B {pool}', 'E {pool}'] },
      return: { fields: {}, optional: { value: 0 }, does: "ends a function with its value (inside a pool's function only)", trace: [] },
    },
  },
  {
    group: 'files',
    ops: {
      file_append: { fields: { path: 'out.txt', text: 'line\n' }, does: "appends text to a file in the run's folder", trace: ['I {path, bytes}'] },
      file_write: { fields: { path: 'out.txt', text: '' }, does: "replaces a file in the run's folder whole", trace: ['I {path, bytes}'] },
      file_read: { fields: { path: 'out.txt', into: 'text' }, does: "reads a file of the run's folder (at most 16 MiB)", trace: ['I {path, bytes}'] },
      os_child: { fields: { mode: 'exit', into: 'pid' }, optional: { ms: 100 }, does: 'starts an OS child of a process actor that exits or sleeps (zombies, orphans)', trace: ['I {mode, pid}'] },
      proc_state: { fields: { pid: { ref: 'pid' }, into: 'state' }, does: "a process's state in /proc", trace: ['I {pid, state, …}'] },
    },
  },
  {
    group: 'network',
    ops: {
      connect: { fields: { server: '', into: 'conn' }, optional: { timeoutMs: 5_000 }, does: "opens a TCP connection to one of the run's servers", trace: ['B {server}', 'E {server, conn}'] },
      send: { fields: { conn, data: 'hello\n' }, optional: { all: true }, does: 'sends data on a connection (`all`: until all is sent)', trace: ['B {conn, bytes, all}', 'E {conn, …}'] },
      recv: { fields: { conn, into: 'reply' }, optional: { until: '\n', bytes: 1, message: true, timeoutMs: 5_000 }, does: 'receives `bytes`, up to `until`, or one `message`, into a local', trace: ['B {conn}', 'E {conn, bytes, data}'] },
      close: { fields: { conn }, does: 'closes a connection', trace: ['I {conn}'] },
      sendto: { fields: { server: '', data: 'hello' }, does: 'sends a UDP datagram to a server', trace: ['I {server, bytes}'] },
      recvfrom: { fields: { into: 'datagram' }, optional: { timeoutMs: 5_000 }, does: 'receives a UDP datagram', trace: ['B {}', 'E {bytes, from}'] },
      http_get: { fields: { server: '', into: 'response' }, optional: { path: '/' }, does: 'an HTTP GET to a server; `into` gets status, charset and text', trace: ['B {server, path}', 'E {status, charset}'] },
      load: { fields: { server: '', connections: 10 }, optional: { durationMs: 1_000, requests: 1_000, messageBytes: 64, ratePerConnection: 10, threads: 1, prime: false, httpMethod: 'GET', into: 'report' }, does: 'the load generator: closed loop, or open loop at a fixed rate (latency from the scheduled time and from the send); prime false counts connection set-up; HTTP GET or POST', trace: ['B {server, connections}', 'E {…}'] },
      send_file: { fields: { server: '', mb: 1 }, optional: { chunkBytes: 65_536, into: 'result' }, does: 'sends a file of `mb` to a file-receive server, checked with SHA-256', trace: ['B {server, mb}', 'E {…}'] },
      sticky_demo: { fields: { mode: 'naive', into: 'result' }, does: 'the sticky-packet demonstration', trace: ['B {mode}', 'E {…}'] },
      fd_select: { fields: { api: 'select', idle: 100, into: 'probe' }, does: 'watches `idle` idle sockets and one ready one with select.select, poll or epoll; `into` gets ok, error, ready, highestFd and ms', trace: ['B {api, idle}', 'E {api, ok, …}'], runtime: 'cpython' },
      epoll_drain: { fields: { mode: 'level', bytes: 4_096, chunk: 1_024, into: 'drain' }, does: 'a reader that reads `chunk` bytes per epoll wake-up, level- or edge-triggered, of `bytes` sent at once; `into` gets wakeups, readBytes and stalled', trace: ['B {mode, bytes, chunk}', 'E {mode, …}'], runtime: 'cpython' },
      rebind_probe: { fields: { reuse: true, into: 'rebind' }, does: 'binds a port again while its last connection is in TIME_WAIT, with or without SO_REUSEADDR; `into` gets ok, error and timeWait', trace: ['B {reuse}', 'E {reuse, ok, …}'], runtime: 'cpython' },
      recv_timeout: { fields: { timeoutMs: 200, into: 'timeout' }, does: "settimeout on a connected socket that receives nothing; `into` gets timedOut and the ms recv waited", trace: ['B {timeoutMs}', 'E {timedOut, ms}'], runtime: 'cpython' },
      backlog_probe: { fields: { backlog: 2, clients: 8, into: 'backlog' }, does: 'listen(backlog) on a server that never accepts; `into` gets how many of `clients` connections completed', trace: ['B {backlog, clients}', 'E {connected, …}'], runtime: 'cpython' },
    },
  },
  {
    group: 'flow',
    ops: {
      repeat: { fields: { times: 10, steps: [] }, optional: { trace: 'summary' }, does: 'runs its steps `times` times; `trace: "summary"` (default past 10,000) records the loop as one span whose end counts the acquire and release events it did not record (`muted`)', trace: ['B {times, trace}', 'E {times, muted?}'] },
      if: { fields: { cond: { compare: [{ ref: 'x' }, '==', 0] }, then: [] }, optional: { else: [] }, does: 'runs `then` or `else` as the condition holds', trace: ['I {taken}'] },
      section: { fields: { name: 'critical', steps: [] }, does: 'runs its steps as a named section: `section.<name>.max` counts actors inside at once', trace: ['B {name}', 'E {name}'] },
      log: { fields: { message: '' }, optional: { values: {} }, does: 'logs a message, `{key}` replaced by `values` (traced inside a summary repeat too)', trace: ['I {message}'] },
      record: { fields: { name: 'result', value: { ref: 'x' } }, does: 'records a value: records feed claims (traced inside a summary repeat too)', trace: ['I {name, value}'] },
      mark: { fields: { name: 'here' }, does: 'marks a moment on the timeline (traced inside a summary repeat too)', trace: ['I {name}'] },
      fail: { fields: { message: 'stopped on purpose' }, does: 'fails the actor with the message', trace: [] },
    },
  },
];


/** A repeat without `trace` is traced as a summary past this many rounds (the CPython runtime's repeat handler, ops/core.py, has the same rule). */
export const SUMMARY_PAST_ROUNDS = 10_000;

/** Whether a repeat is traced as one span, its steps' events counted, not recorded: asked for, or by default past SUMMARY_PAST_ROUNDS. */
export function isSummaryRepeat(step: { readonly times: unknown; readonly trace?: 'each' | 'summary' | undefined }): boolean {
  return step.trace === 'summary' || (step.trace === undefined && typeof step.times === 'number' && step.times > SUMMARY_PAST_ROUNDS);
}

/** Fields every step may carry, whatever its op. */
export const STEP_COMMON_OPTIONAL: JsonObject = { label: '' };

/** Every op with its shape, in the menu's order. */
export function catalogOps(): (readonly [string, OpShape])[] {
  return STEP_GROUPS.flatMap((group) => Object.entries(group.ops));
}

/** One event a step emits, as its `trace` line says: phase, the keys always there, the keys sometimes there, and whether more may follow. */
export interface TraceLine {
  readonly ph: 'B' | 'E' | 'I';
  readonly keys: readonly string[];
  readonly optionalKeys: readonly string[];
  readonly open: boolean;
}

export function parseTraceLine(line: string): TraceLine {
  const match = /^([BEI]) \{(.*)\}$/.exec(line);
  if (!match) throw new Error(`a trace line is "B|E|I {key, key?, …}", got ${JSON.stringify(line)}`);
  const parts = match[2]!.split(',').map((part) => part.trim()).filter((part) => part !== '');
  return {
    ph: match[1] as TraceLine['ph'],
    keys: parts.filter((part) => part !== '…' && !part.endsWith('?')),
    optionalKeys: parts.filter((part) => part.endsWith('?')).map((part) => part.slice(0, -1)),
    open: parts.includes('…'),
  };
}

/** The step table of `docs/spec-language.md`, rendered from the catalog (a test keeps the document equal to it). */
export function renderStepTable(): string {
  const rows = STEP_GROUPS.flatMap((group) =>
    Object.entries(group.ops).map(([op, shape]) => {
      const fields = [...Object.keys(shape.fields), ...Object.keys(shape.optional ?? {}).map((key) => `${key}?`)];
      const trace = shape.trace.length === 0 ? 'nothing' : shape.trace.map((line) => `\`${line}\``).join(' ');
      const does = `${shape.runtime === 'cpython' ? '(CPython only) ' : ''}${shape.does}`;
      return `| ${group.group} | \`${op} {${fields.join(', ')}}\` | ${does.replace(/\|/g, '\\|')} | ${trace} |`;
    }),
  );
  return ['| group | step | does | traces |', '|---|---|---|---|', ...rows].join('\n');
}
