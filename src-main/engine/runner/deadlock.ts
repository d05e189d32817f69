import { runMessage } from '../../model/run-wording';
import { lockOwner } from '../sync/primitives';
import { ACTOR_WAIT_SEQ, ACTOR_WAITING_ON, actorWord, type SharedLayout } from '../sync/shared-layout';
import type { DeadlockEdge } from '../../model/run-model';

/**
 * Deadlock detection from the wait-for graph: actor → the lock it waits for → the actor holding it.
 *
 * A cycle is reported only when two samples, taken some time apart, show the same cycle with every
 * member still in the same wait (its wait sequence unchanged). An actor that stayed in one wait the
 * whole time cannot have released anything, so the cycle is real, not an artefact of reading the
 * table while it changed. Only owned locks (mutex, rlock, a condition's lock) form edges: semaphores
 * have no owner, so a deadlock through them ends by the wall-time limit instead. A wait with a timeout
 * (recorded negated in the table) ends by itself, so it never forms an edge. An actor waiting for a
 * mutex it holds itself is a cycle of one: a mutex is not re-entrant, nothing can release it.
 */

interface Snapshot {
  readonly cycle: readonly DeadlockEdge[];
  readonly key: string;
}

export class DeadlockDetector {
  private previous: Snapshot | null = null;

  constructor(
    private readonly memory: Int32Array,
    private readonly layout: SharedLayout,
    private readonly actorNames: readonly string[],
    private readonly isLive: (actorId: number) => boolean,
  ) {}

  /** Returns the cycle once it has been seen twice in a row, else null. */
  sample(): readonly DeadlockEdge[] | null {
    const current = this.findCycle();
    const confirmed = current && this.previous && current.key === this.previous.key ? current.cycle : null;
    this.previous = current;
    return confirmed;
  }

  private waitsFor(actorId: number): { prim: number; owner: number; seq: number } | null {
    if (!this.isLive(actorId)) return null;
    const waitingOn = Atomics.load(this.memory, actorWord(this.layout, actorId, ACTOR_WAITING_ON));
    if (waitingOn <= 0) return null;
    const prim = this.layout.prims[waitingOn - 1];
    if (!prim) return null;
    const lock = prim.type === 'condition' ? null : prim; // a condition wait waits for a notify, not an owner
    if (!lock || (lock.type !== 'mutex' && lock.type !== 'rlock')) return null;
    const owner = lockOwner(this.memory, lock) - 1;
    // An rlock's owner re-enters without waiting, so a self edge on one can only be a torn read of the table.
    if (owner < 0 || (owner === actorId && lock.type !== 'mutex')) return null;
    const seq = Atomics.load(this.memory, actorWord(this.layout, actorId, ACTOR_WAIT_SEQ));
    return { prim: lock.id, owner, seq };
  }

  private findCycle(): Snapshot | null {
    const count = this.layout.actorCount;
    const edges = new Map<number, { prim: number; owner: number; seq: number }>();
    for (let id = 0; id < count; id++) {
      const edge = this.waitsFor(id);
      if (edge) edges.set(id, edge);
    }
    const visited = new Set<number>();
    for (const start of edges.keys()) {
      if (visited.has(start)) continue;
      const path: number[] = [];
      const onPath = new Map<number, number>();
      let node: number | undefined = start;
      while (node !== undefined && !visited.has(node)) {
        visited.add(node);
        onPath.set(node, path.length);
        path.push(node);
        node = edges.get(node)?.owner;
        if (node !== undefined && onPath.has(node)) {
          const members = path.slice(onPath.get(node)!);
          // Canonical order: start the cycle at its smallest actor id so samples compare equal.
          const first = members.indexOf(Math.min(...members));
          const ordered = [...members.slice(first), ...members.slice(0, first)];
          const cycle = ordered.map((id) => {
            const edge = edges.get(id)!;
            return { actor: this.actorNames[id]!, waitsFor: this.layout.prims[edge.prim]!.name, heldBy: this.actorNames[edge.owner]! };
          });
          const key = ordered.map((id) => `${id}:${edges.get(id)!.prim}:${edges.get(id)!.seq}`).join('|');
          return { cycle, key };
        }
      }
    }
    return null;
  }
}

export function describeCycle(cycle: readonly DeadlockEdge[]): string {
  const parts = cycle.map((edge) => runMessage('deadlock-edge', { actor: edge.actor, lock: edge.waitsFor, holder: edge.heldBy }));
  return runMessage('deadlock', { cycle: parts.join('; ') });
}
