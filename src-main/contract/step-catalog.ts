/**
 * The step language as the composer's forms offer it: every op, grouped for the add-step menu, with
 * the fields a new step starts with and the optional fields it may take (each with a starting value).
 * Pure data, shared by the renderer and the tests that check it against the engine's schema.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export interface OpShape {
  /** Fields a new step starts with (the required ones, with a usable default). */
  readonly fields: JsonObject;
  /** Fields that may be added later, with the value they start from. */
  readonly optional?: JsonObject;
}

const conn: Json = { ref: 'conn' };

/** Every op of the step language, grouped as the add-step menu shows them. */
export const STEP_GROUPS: readonly { readonly group: string; readonly ops: Readonly<Record<string, OpShape>> }[] = [
  {
    group: 'work',
    ops: {
      compute: { fields: { iterations: 1_000_000 } },
      sleep: { fields: { ms: 100 } },
      block: { fields: { ms: 100 } },
      generator_pingpong: { fields: { switches: 100_000 }, optional: { into: 'result' } },
    },
  },
  {
    group: 'data',
    ops: {
      let: { fields: { name: 'x', value: 0 } },
      read: { fields: { var: '', into: 'value' }, optional: { index: 0 } },
      write: { fields: { var: '', value: 0 }, optional: { index: 0 } },
      add: { fields: { var: '', delta: 1 }, optional: { index: 0, into: 'value' } },
    },
  },
  {
    group: 'sync',
    ops: {
      acquire: { fields: { prim: '' }, optional: { blocking: false, timeoutMs: 1_000, into: 'ok' } },
      release: { fields: { prim: '' } },
      wait: { fields: { prim: '' }, optional: { timeoutMs: 1_000, into: 'passed' } },
      set: { fields: { prim: '' } },
      clear: { fields: { prim: '' } },
      notify: { fields: { prim: '' }, optional: { n: 1, all: true } },
    },
  },
  {
    group: 'queues',
    ops: {
      put: { fields: { queue: '', value: 0 }, optional: { priority: 0, blocking: false, timeoutMs: 1_000, into: 'ok' } },
      get: { fields: { queue: '' }, optional: { blocking: false, timeoutMs: 1_000, into: 'item' } },
      task_done: { fields: { queue: '' } },
    },
  },
  {
    group: 'actors',
    ops: {
      spawn: { fields: { actor: '' }, optional: { index: 0 } },
      join: { fields: { actor: '' }, optional: { index: 0, timeoutMs: 1_000 } },
      terminate: { fields: { actor: '' }, optional: { index: 0 } },
      is_alive: { fields: { actor: '', into: 'alive' }, optional: { index: 0 } },
      list_actors: { fields: { into: 'names' }, optional: { group: '' } },
    },
  },
  {
    group: 'pools',
    ops: {
      submit: { fields: { pool: '', function: '' }, optional: { arg: 0, callback: '', into: 'future' } },
      result: { fields: { future: { ref: 'future' } }, optional: { timeoutMs: 1_000, into: 'value' } },
      map: { fields: { pool: '', function: '', args: [1, 2, 3] }, optional: { into: 'values' } },
      shutdown: { fields: { pool: '' }, optional: { wait: true } },
      return: { fields: {}, optional: { value: 0 } },
    },
  },
  {
    group: 'files',
    ops: {
      file_append: { fields: { path: 'out.txt', text: 'line\n' } },
      file_write: { fields: { path: 'out.txt', text: '' } },
      file_read: { fields: { path: 'out.txt', into: 'text' } },
      os_child: { fields: { mode: 'exit', into: 'pid' }, optional: { ms: 100 } },
      proc_state: { fields: { pid: { ref: 'pid' }, into: 'state' } },
    },
  },
  {
    group: 'network',
    ops: {
      connect: { fields: { server: '', into: 'conn' }, optional: { timeoutMs: 5_000 } },
      send: { fields: { conn, data: 'hello\n' }, optional: { all: true } },
      recv: { fields: { conn, into: 'reply' }, optional: { until: '\n', bytes: 1, message: true, timeoutMs: 5_000 } },
      close: { fields: { conn } },
      sendto: { fields: { server: '', data: 'hello' } },
      recvfrom: { fields: { into: 'datagram' }, optional: { timeoutMs: 5_000 } },
      http_get: { fields: { server: '', into: 'response' }, optional: { path: '/' } },
      load: { fields: { server: '', connections: 10 }, optional: { durationMs: 1_000, requests: 1_000, messageBytes: 64, ratePerConnection: 10, threads: 1, into: 'report' } },
      send_file: { fields: { server: '', mb: 1 }, optional: { chunkBytes: 65_536, into: 'result' } },
      sticky_demo: { fields: { mode: 'naive', into: 'result' } },
    },
  },
  {
    group: 'flow',
    ops: {
      repeat: { fields: { times: 10, steps: [] }, optional: { trace: 'summary' } },
      if: { fields: { cond: { compare: [{ ref: 'x' }, '==', 0] }, then: [] }, optional: { else: [] } },
      section: { fields: { name: 'critical', steps: [] } },
      log: { fields: { message: '' }, optional: { values: {} } },
      record: { fields: { name: 'result', value: { ref: 'x' } } },
      mark: { fields: { name: 'here' } },
      fail: { fields: { message: 'stopped on purpose' } },
    },
  },
];


/** Fields every step may carry, whatever its op. */
export const STEP_COMMON_OPTIONAL: JsonObject = { label: '' };
