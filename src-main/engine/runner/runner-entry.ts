import { Worker } from 'node:worker_threads';
import { lockWaitFromEnv, RunWriter } from '../../store/run-writer';
import { nodeHosts, RelayedHost, type ActorHandle, type ActorHost, type ActorHosts } from '../actors/hosts';
import { assertNever } from '../../model/assert-never';
import type { EventBatch } from '../../model/trace-event';
import { entryPath } from '../entry-paths';
import { runExperiment, type RunSink } from './experiment';
import { BACKLOG_HOLD_BYTES, BACKLOG_RESUME_BYTES } from './trial';
import type { GuardData, GuardMessage } from './runner-guard';
import { killProcessTree } from './process-tree';
import { RUN_MARKER_ENV, toRunnerError, type ParentToRunner, type RunnerStart, type RunnerToParent } from './runner-protocol';
import { setConfiguredPython } from '../runtimes/python-discovery';

/**
 * The runner process: runs one experiment and records it through its own RunWriter, while the
 * process that forked it (LabService in the CLI, browser mode or the Electron main process) only
 * relays. Task and main actors run on this process's loop, so a long synchronous compute blocks this
 * process and no other; the parent can always cancel it by killing this process's tree.
 *
 * Utility actors: Electron's utilityProcess API exists only in Electron's main process, and this is a
 * plain Node process (in the app, Electron run as Node through fork). When the parent has a utility
 * host (the app), utility actors are relayed: the parent starts and owns them, and passes their messages
 * both ways over this process's channel (RelayedHost). Otherwise they are forked here and the run
 * records the substitution, as everywhere outside the app's main process.
 */

const GUARD_POLL_MS = 50;

function send(message: RunnerToParent, then?: () => void): void {
  if (!process.connected) return then?.();
  process.send!(message, undefined, {}, () => then?.());
}

/**
 * The run's sink. Only a failed beginRun stops a run (nothing would hold it); a later write that fails
 * is folded by the writer into the status it stores for the run (never 'ok'), so it is not thrown
 * into the experiment, which would stop a run that can still end cleanly.
 */
function sinkFor(writer: RunWriter): RunSink & { pendingBytes(): number } {
  const ignore = (): void => undefined;
  // Payload bytes of the batches posted to the writer, in order, until it has committed them.
  const posted: number[] = [];
  let postedHead = 0;
  let pendingBytes = 0;
  return {
    pendingBytes: () => {
      // The writer commits in order: as many of the oldest as are no longer pending are done.
      while (posted.length - postedHead > writer.pendingBatches) pendingBytes -= posted[postedHead++]!;
      if (postedHead > 4096) {
        posted.splice(0, postedHead);
        postedHead = 0;
      }
      return pendingBytes;
    },
    beginRun: (meta) => writer.beginRun(meta),
    appendBatches: (runId, batches) => {
      writer.appendBatches(runId, batches);
      for (const batch of batches) {
        posted.push(batch.payload.length);
        pendingBytes += batch.payload.length;
      }
    },
    saveTrial: (runId, trial) => writer.saveTrial(runId, trial).catch(ignore),
    finishRun: (runId, fields) => writer.finishRun(runId, fields).catch(ignore),
    flush: () => writer.flush().catch(ignore),
  };
}

/** Tells the parent (and the guard) about a process group the run started: it dies with the run's tree. */
function reportGroup(guard: Worker, pid: number): void {
  actorGroups.add(pid);
  guard.postMessage({ type: 'actor-group', pid } satisfies GuardMessage);
  send({ type: 'actor-started', pid });
}

/**
 * Payload bytes of event batches a forked actor may have sent and not had answered: it waits before a batch that
 * would pass it. Small enough that what is unanswered always fits in the kernel's buffer of the actor's channel
 * (so a batch it waits on has left it), large enough for a batch or two of marks.
 */
export const PROCESS_TRACE_WINDOW_BYTES = 96 * 1024;
const CREDIT_POLL_MS = 5;

/**
 * A forked actor's trace back-pressure, the counterpart of a thread's hold word: its batches are answered as they
 * arrive while the backlog (store and relay) is under BACKLOG_HOLD_BYTES; above it answers wait until the backlog
 * is under BACKLOG_RESUME_BYTES, and the actor, its window full, waits with them. A stop lets it go.
 */
function answerBatches(host: ActorHost, backlog: () => number): ActorHost['start'] {
  // Windows has no non-blocking reads on an inherited pipe: there forked actors trace without a window.
  if (process.platform === 'win32') return (init, onMessage, options) => host.start(init, onMessage, options);
  return (init, onMessage, options) => {
    let owed = 0;
    let waiting: NodeJS.Timeout | null = null;
    let handle: ActorHandle | null = null;
    const pay = (): void => {
      if (owed > 0) handle?.credit?.(owed);
      owed = 0;
    };
    const answer = (): void => {
      if (waiting !== null) return;
      if (backlog() <= BACKLOG_HOLD_BYTES) return pay();
      waiting = setInterval(() => {
        if (backlog() > BACKLOG_RESUME_BYTES) return;
        clearInterval(waiting!);
        waiting = null;
        pay();
      }, CREDIT_POLL_MS);
    };
    const started = host.start({ ...init, traceWindowBytes: PROCESS_TRACE_WINDOW_BYTES }, (message) => {
      onMessage(message);
      if (message.type === 'events' && message.answer) {
        owed++;
        answer();
      }
    }, options);
    handle = started;
    void started.exited.then(() => {
      if (waiting !== null) clearInterval(waiting);
      waiting = null;
    });
    return {
      ...started,
      post(message) {
        // A stop must reach an actor waiting on its window: from now on it does not wait.
        if (message.type === 'stop') started.credit?.('all');
        started.post(message);
      },
    };
  };
}

/**
 * Hosts that tell the parent (and the guard) about every actor process group they start, and answer forked
 * actors' event batches (answerBatches). Relayed actors are not this process's children: the parent owns them
 * and ends them itself.
 */
function reportingHosts(guard: Worker, relayed: RelayedHost | null, backlog: () => number): ActorHosts {
  const wrap = (host: ActorHost): ActorHost => {
    const start = answerBatches(host, backlog);
    return {
      mechanism: host.mechanism,
      ...(host.standsIn ? { standsIn: true } : {}),
      start(init, onMessage, options) {
        const handle = start(init, onMessage, options);
        if (handle.pid !== null && handle.pid !== process.pid) reportGroup(guard, handle.pid);
        return handle;
      },
    };
  };
  return { thread: nodeHosts.thread, process: wrap(nodeHosts.process), utility: relayed ?? wrap(nodeHosts.utility) };
}

const controller = new AbortController();
let started = false;
let runId: string | null = null;
const actorGroups = new Set<number>();
let relayedHost: RelayedHost | null = null;
/** Payload bytes relayed to the parent and not yet taken by it. */
let relaying = 0;

async function runOne(start: RunnerStart): Promise<void> {
  const guard = new Worker(entryPath('runner-guard'), {
    workerData: { parentPid: start.parentPid, runId: start.runId, pollMs: GUARD_POLL_MS } satisfies GuardData,
  });
  guard.unref();
  let writer: RunWriter | null = null;
  try {
    writer = await RunWriter.open(start.dbPath, { lockWaitMs: lockWaitFromEnv() });
    const sink = sinkFor(writer);
    const backlog = (): number => sink.pendingBytes() + relaying;
    // Payload bytes of batches sent to the parent and not yet taken by it ('batches-taken'): the parent's
    // queue is bounded by the same backlog rule as the store's.
    relaying = 0;
    const relay = (batch: EventBatch): void => {
      relaying += batch.payload.length;
      send({ type: 'batch', batch });
    };
    setConfiguredPython(start.pythonPath ?? null);
    const { run } = await runExperiment({
      spec: start.spec,
      validated: start.validated,
      runId: start.runId,
      repeat: start.repeat,
      warmup: start.warmup,
      lessonId: start.lessonId,
      experimentId: start.experimentId,
      ...(start.title !== undefined ? { title: start.title } : {}),
      ...(start.workRoot !== undefined ? { workRoot: start.workRoot } : {}),
      hosts: reportingHosts(guard, relayedHost, backlog),
      ...(start.runtime ? { runtime: start.runtime } : {}),
      ...(start.storeEvents === false ? { storeEvents: false } : {}),
      onProcessGroup: (pid) => reportGroup(guard, pid),
      signal: controller.signal,
      sink,
      backlog,
      onProgress: (progress) => send({ type: 'progress', progress }),
      ...(start.relayBatches ? { onBatch: relay } : {}),
    });
    // An end the writer still could not record shows as the run still 'running' in the history, which the
    // parent reports as such; it is not a failure to start.
    await writer.close().catch(() => undefined);
    writer = null;
    // Whatever the run left running (a load generator's sockets, a server) must not keep this process.
    send({ type: 'done', status: run.status }, () => process.exit(0));
  } catch (error) {
    await writer?.close().catch(() => undefined);
    send({ type: 'failed', error: toRunnerError(error) }, () => process.exit(1));
  }
}

process.on('message', (message: ParentToRunner) => {
  switch (message.type) {
    case 'start':
      if (started) throw new Error('runner: a runner process runs one experiment; it got a second start');
      started = true;
      runId = message.start.runId;
      if (message.start.relayedUtility !== null) relayedHost = new RelayedHost(message.start.relayedUtility, (request) => send(request));
      void runOne(message.start);
      return;
    case 'cancel':
      controller.abort();
      send({ type: 'cancelling' });
      return;
    case 'batches-taken':
      relaying = Math.max(0, relaying - message.bytes);
      return;
    case 'actor-pid':
    case 'actor-message':
    case 'actor-exit':
    case 'actor-killed':
      relayedHost?.receive(message);
      return;
    default:
      assertNever(message, 'message from the runner\'s parent');
  }
});

// The parent died (this loop noticed first; the guard thread covers a busy loop). Nobody cancelled the
// run: the tree ends at once and the run stays 'running' with this process as its owner, so the next
// opening of the history marks it 'interrupted', with every committed event kept.
process.on('disconnect', () => {
  killProcessTree(process.pid, { marker: `${RUN_MARKER_ENV}=${runId ?? ''}`, groups: actorGroups, includeRoot: false });
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    // not a group leader (a platform without groups)
  }
  process.kill(process.pid, 'SIGKILL');
});
