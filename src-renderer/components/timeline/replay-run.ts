import type { PythonContext, ReplayInit, RunRecord, StepLike } from '@contract/dto';

/**
 * What the replay and the program panel take from a recorded run: each spec actor's program and its
 * Python context, and the replay's starting facts (instances, initial and final shared values, queues,
 * primitives). The spec is the run's resolved snapshot; it is read defensively (an imported run's spec
 * is whatever the file held), so a part of the wrong shape is left out rather than trusted.
 */

interface SpecView {
  readonly actors: readonly { readonly name: string; readonly kind: string; readonly program: readonly StepLike[] }[];
  readonly shared: Readonly<Record<string, { readonly scope: string; readonly initial: unknown }>>;
  readonly primitives: Readonly<Record<string, string>>;
  readonly queues: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function specView(spec: unknown): SpecView {
  const root = isRecord(spec) ? spec : {};
  const actors = (Array.isArray(root.actors) ? root.actors : [])
    .filter(isRecord)
    .filter((actor) => typeof actor.name === 'string' && Array.isArray(actor.program))
    .map((actor) => ({
      name: actor.name as string,
      kind: typeof actor.kind === 'string' ? actor.kind : 'thread',
      program: (actor.program as unknown[]).filter((step): step is StepLike => isRecord(step) && typeof step.op === 'string'),
    }));
  const shared: Record<string, { scope: string; initial: unknown }> = {};
  if (isRecord(root.shared)) {
    for (const [name, entry] of Object.entries(root.shared)) if (isRecord(entry)) shared[name] = { scope: typeof entry.scope === 'string' ? entry.scope : 'shared', initial: 'initial' in entry ? entry.initial : null };
  }
  const primitives: Record<string, string> = {};
  if (isRecord(root.primitives)) {
    for (const [name, entry] of Object.entries(root.primitives)) if (isRecord(entry) && typeof entry.type === 'string') primitives[name] = entry.type;
  }
  const queues = isRecord(root.queues) ? Object.keys(root.queues) : [];
  return { actors, shared, primitives, queues };
}

export function pythonContext(view: SpecView, kind: string): PythonContext {
  return { kind, shared: Object.fromEntries(Object.entries(view.shared).map(([name, entry]) => [name, entry.scope])), primitives: view.primitives };
}

export function replayInit(run: RunRecord, trialIndex: number, view: SpecView = specView(run.spec)): ReplayInit {
  const trial = run.trials.find((candidate) => candidate.index === trialIndex);
  return {
    actors: (trial?.actors ?? []).map((actor) => ({ name: actor.name, group: actor.group, kind: actor.kind })),
    initialShared: Object.fromEntries(Object.entries(view.shared).map(([name, entry]) => [name, entry.initial])),
    finalShared: trial?.finalShared ?? {},
    queues: view.queues,
    primitives: view.primitives,
  };
}
