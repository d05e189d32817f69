/**
 * Which declared names a field of a step may take, filtered by the kind the field needs: an acquire
 * takes a lock or a semaphore, a wait an event, condition or barrier, a connect a TCP server. The same
 * rules the engine's reference check applies (engine/spec/references.ts), so what the picker offers
 * validates; the engine stays the judge.
 */

import type { Json, JsonObject } from './spec-builder';

const ACQUIRABLE = ['mutex', 'rlock', 'semaphore', 'bounded-semaphore', 'condition'];
const WAITABLE = ['event', 'condition', 'barrier'];
const PRIMITIVES_FOR: Readonly<Record<string, readonly string[]>> = {
  acquire: ACQUIRABLE,
  release: ACQUIRABLE,
  wait: WAITABLE,
  set: ['event'],
  clear: ['event'],
  notify: ['condition'],
};
const PROTOCOLS_FOR: Readonly<Record<string, readonly string[]>> = {
  connect: ['tcp'],
  sendto: ['udp'],
  http_get: ['http'],
  load: ['tcp', 'http', 'udp'],
  send_file: ['tcp'],
};

/** Step fields that name something the spec declares. */
export const NAMED_FIELDS = new Set(['prim', 'var', 'queue', 'actor', 'group', 'pool', 'server', 'function', 'callback', 'pipe']);

const isObject = (value: Json | undefined): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

function entries(spec: JsonObject, section: string): [string, JsonObject][] {
  const value = spec[section];
  return isObject(value) ? Object.entries(value).map(([name, def]) => [name, isObject(def) ? def : {}]) : [];
}

function actorNames(spec: JsonObject, withMain: boolean): string[] {
  const actors = Array.isArray(spec['actors']) ? spec['actors'] : [];
  return actors.flatMap((actor) => (isObject(actor) && typeof actor['name'] === 'string' && (withMain || actor['kind'] !== 'main') ? [actor['name']] : []));
}

/** The names `field` of a step `op` may take, or null when the field names nothing declared. */
export function namesFor(spec: JsonObject, op: string, field: string): string[] | null {
  switch (field) {
    case 'prim': {
      const allowed = PRIMITIVES_FOR[op];
      return entries(spec, 'primitives').flatMap(([name, def]) => (!allowed || allowed.includes(String(def['type'])) ? [name] : []));
    }
    case 'var':
      if (op === 'var_lock' || op === 'var_unlock') return entries(spec, 'shared').flatMap(([name, def]) => ((def['scope'] === 'value' || def['scope'] === 'array') && def['lock'] !== false ? [name] : []));
      return entries(spec, 'shared').map(([name]) => name);
    case 'queue':
      return entries(spec, 'queues').map(([name]) => name);
    case 'actor':
      return actorNames(spec, false);
    case 'group':
      return actorNames(spec, true);
    case 'pool':
      return entries(spec, 'pools').map(([name]) => name);
    case 'server': {
      const protocols = PROTOCOLS_FOR[op];
      return entries(spec, 'servers').flatMap(([name, def]) => {
        if (protocols && !protocols.includes(String(def['protocol']))) return [];
        if (op === 'send_file' && !(isObject(def['handler']) && def['handler']['kind'] === 'file-receive')) return [];
        return [name];
      });
    }
    case 'function':
    case 'callback':
      return entries(spec, 'functions').map(([name]) => name);
    case 'pipe':
      return entries(spec, 'pipes').map(([name]) => name);
    default:
      return null;
  }
}

/** Locks a condition may use: mutexes and rlocks. */
export function conditionLocks(spec: JsonObject): string[] {
  return entries(spec, 'primitives').flatMap(([name, def]) => (def['type'] === 'mutex' || def['type'] === 'rlock' ? [name] : []));
}
