import type { ReplayState } from '@contract/dto';

/**
 * The wait-for graph of one moment of a trial: which actor holds which primitive and which actor waits for
 * which primitive (a lock, a semaphore, a condition, an event, a barrier, a queue) or for which actor (a
 * join), taken from a replay state (model/replay.ts) and nothing else, so the graph says what the events
 * say. A cycle is a set of actors each waiting for something held by the next (strongly connected in
 * "waits for something held by"); when the runner reported a deadlock with the same actors and locks, the
 * cycle is marked confirmed.
 *
 * Bounded: only actors that hold or wait for something are drawn, at most `maxActors` of them (those of a
 * cycle first), with a count of the others; primitives nobody holds or waits for are counted, not drawn.
 * Pure (no DOM): the view lays it out.
 */

export interface WaitGraphActor {
  readonly name: string;
  readonly inCycle: boolean;
}

export interface WaitGraphTarget {
  readonly name: string;
  /** The primitive's type (mutex, semaphore, condition, …), 'queue', or 'actor' for an actor joined. */
  readonly type: string;
  readonly inCycle: boolean;
}

export interface WaitGraphEdge {
  readonly kind: 'holds' | 'waits';
  readonly actor: string;
  readonly target: string;
  /** How many times the actor holds it (a semaphore's permits, an rlock taken again). */
  readonly count: number;
  readonly inCycle: boolean;
}

export interface WaitGraph {
  readonly actors: readonly WaitGraphActor[];
  readonly targets: readonly WaitGraphTarget[];
  readonly edges: readonly WaitGraphEdge[];
  /** The cycle's actors and targets (empty when none); `confirmed` when the runner reported this deadlock. */
  readonly cycle: { readonly actors: readonly string[]; readonly targets: readonly string[]; readonly confirmed: boolean };
  /** Actors neither holding nor waiting (not drawn). */
  readonly idleActors: number;
  /** Actors holding or waiting that were left out past the bound. */
  readonly omittedActors: number;
  /** Primitives and queues nobody holds or waits for (not drawn). */
  readonly idleTargets: number;
}

export interface WaitGraphOptions {
  /** The deadlock the runner confirmed (its actors and locks), when there is one. */
  readonly deadlock?: { readonly actors: readonly string[]; readonly locks: readonly string[] } | null;
  /** At most this many actors drawn (default 40). */
  readonly maxActors?: number;
}

type StateSlice = Pick<ReplayState, 'actors' | 'primitives'> & { readonly queues?: ReplayState['queues'] };

/** "worker-1 ×2" (the replay's way of saying a holder holds twice) → name and count. */
function holderOf(text: string): { name: string; count: number } {
  const match = / ×(\d+)$/.exec(text);
  return match ? { name: text.slice(0, match.index), count: Number(match[1]) } : { name: text, count: 1 };
}

/** Strongly connected components of a small directed graph (Tarjan), iterative so that a long chain cannot overflow the stack. */
function components(nodes: readonly string[], next: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; edge: number }[] = [{ node: root, edge: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = next.get(frame.node) ?? [];
      if (frame.edge < targets.length) {
        const target = targets[frame.edge++]!;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, edge: 0 });
        } else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        out.push(component);
      }
    }
  }
  return out;
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function waitGraph(state: StateSlice, options: WaitGraphOptions = {}): WaitGraph {
  const maxActors = Math.max(1, Math.floor(options.maxActors ?? 40));
  const actorNames = new Set(state.actors.map((actor) => actor.name));
  const types = new Map<string, string>();
  for (const prim of state.primitives) types.set(prim.name, prim.type ?? 'lock');
  for (const queue of state.queues ?? []) if (!types.has(queue.name)) types.set(queue.name, 'queue');

  // Edges, once each: holds from the primitives' holders; waits from the waiters and from each actor's waitingOn
  // (which also names queues and joined actors).
  const edges = new Map<string, { kind: 'holds' | 'waits'; actor: string; target: string; count: number }>();
  const holdersOf = new Map<string, string[]>();
  for (const prim of state.primitives) {
    for (const text of prim.holders) {
      const { name, count } = holderOf(text);
      edges.set(`h\u0000${name}\u0000${prim.name}`, { kind: 'holds', actor: name, target: prim.name, count });
      let list = holdersOf.get(prim.name);
      if (!list) holdersOf.set(prim.name, (list = []));
      list.push(name);
    }
    for (const waiter of prim.waiters) edges.set(`w\u0000${waiter}\u0000${prim.name}`, { kind: 'waits', actor: waiter, target: prim.name, count: 1 });
  }
  for (const actor of state.actors) {
    if (actor.waitingOn === null || actor.phase === 'ended') continue;
    edges.set(`w\u0000${actor.name}\u0000${actor.waitingOn}`, { kind: 'waits', actor: actor.name, target: actor.waitingOn, count: 1 });
  }

  // Waits-for between actors: A waits for something B holds (B ≠ A, or A itself for a lock it cannot take
  // twice), or A joins B.
  const next = new Map<string, string[]>();
  const via = new Map<string, string[]>();
  for (const edge of edges.values()) {
    if (edge.kind !== 'waits') continue;
    const holders = holdersOf.get(edge.target) ?? (actorNames.has(edge.target) && !types.has(edge.target) ? [edge.target] : []);
    for (const holder of holders) {
      let list = next.get(edge.actor);
      if (!list) next.set(edge.actor, (list = []));
      list.push(holder);
      via.set(`${edge.actor}\u0000${holder}`, [...(via.get(`${edge.actor}\u0000${holder}`) ?? []), edge.target]);
    }
  }
  const cycleActors = new Set<string>();
  const cycleTargets = new Set<string>();
  for (const component of components([...next.keys()].sort(), next)) {
    const members = new Set(component);
    const selfLoop = component.length === 1 && (next.get(component[0]!) ?? []).includes(component[0]!);
    if (component.length < 2 && !selfLoop) continue;
    for (const actor of component) {
      cycleActors.add(actor);
      for (const holder of next.get(actor) ?? []) if (members.has(holder)) for (const target of via.get(`${actor}\u0000${holder}`) ?? []) cycleTargets.add(target);
    }
  }
  // The runner's report confirms a cycle the events show at this moment; it adds nothing the events do not
  // show (before the deadlock formed, or in a replay scrubbed back, there is no cycle to confirm).
  const reported = options.deadlock ?? null;
  const confirmed = reported !== null && reported.actors.length > 0 && reported.actors.every((actor) => cycleActors.has(actor)) && reported.locks.every((lock) => cycleTargets.has(lock));

  // Actors drawn: those with an edge, cycle first, then by name, within the bound.
  const involved = [...new Set([...edges.values()].map((edge) => edge.actor))];
  involved.sort((a, b) => Number(cycleActors.has(b)) - Number(cycleActors.has(a)) || (a < b ? -1 : a > b ? 1 : 0));
  const shownActors = new Set(involved.slice(0, maxActors));
  const shownEdges = [...edges.values()].filter((edge) => shownActors.has(edge.actor));
  const targetNames = new Set(shownEdges.map((edge) => edge.target));
  const inCycleEdge = (edge: { kind: string; actor: string; target: string }): boolean => cycleActors.has(edge.actor) && cycleTargets.has(edge.target);
  const targets: WaitGraphTarget[] = [...targetNames]
    .map((name) => ({ name, type: types.get(name) ?? (actorNames.has(name) ? 'actor' : 'lock'), inCycle: cycleTargets.has(name) }))
    .sort((a, b) => Number(b.inCycle) - Number(a.inCycle) || byName(a, b));
  const allTargets = new Set([...types.keys()]);
  return {
    actors: [...shownActors].map((name) => ({ name, inCycle: cycleActors.has(name) })),
    targets,
    edges: shownEdges.map((edge) => ({ ...edge, inCycle: inCycleEdge(edge) })),
    cycle: { actors: [...cycleActors].sort(), targets: [...cycleTargets].sort(), confirmed },
    idleActors: [...actorNames].filter((name) => !involved.includes(name)).length,
    omittedActors: involved.length - shownActors.size,
    idleTargets: [...allTargets].filter((name) => !targetNames.has(name)).length,
  };
}

export interface WaitGraphLayout {
  readonly width: number;
  readonly height: number;
  readonly actors: readonly (WaitGraphActor & { readonly x: number; readonly y: number })[];
  readonly targets: readonly (WaitGraphTarget & { readonly x: number; readonly y: number })[];
}

/** Actors in a column on the left, what they hold or wait for in a column on the right, in the graph's order. */
export function layoutWaitGraph(graph: WaitGraph, width = 520, rowHeight = 34): WaitGraphLayout {
  const rows = Math.max(1, graph.actors.length, graph.targets.length);
  const height = rows * rowHeight + 16;
  const centre = (count: number, i: number): number => 8 + rowHeight / 2 + ((rows - count) * rowHeight) / 2 + i * rowHeight;
  return {
    width,
    height,
    actors: graph.actors.map((actor, i) => ({ ...actor, x: 110, y: centre(graph.actors.length, i) })),
    targets: graph.targets.map((target, i) => ({ ...target, x: width - 110, y: centre(graph.targets.length, i) })),
  };
}
