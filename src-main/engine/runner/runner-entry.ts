import { Worker } from 'node:worker_threads';
import { RunWriter } from '../../store/run-writer';
import { nodeHosts, type ActorHost, type ActorHosts } from '../actors/hosts';
import { assertNever } from '../actors/protocol';
import { entryPath } from '../entry-paths';
import { runExperiment, type RunSink } from './experiment';
import type { GuardData, GuardMessage } from './runner-guard';
import { killProcessTree } from './process-tree';
import { RUN_MARKER_ENV, toRunnerError, type ParentToRunner, type RunnerStart, type RunnerToParent } from './runner-protocol';

/**
 * The runner process: runs one experiment and records it through its own RunWriter, while the
 * process that forked it (LabService in the CLI, browser mode or the Electron main process) only
 * relays. Task and main actors run on this process's loop, so a long synchronous compute blocks this
 * process and no other; the parent can always cancel it by killing this process's tree.
 *
 * Utility actors: Electron's utilityProcess API exists only in Electron's main process, and this is a
 * plain Node process (in the app, Electron run as Node through fork), so utility actors are forked here
 * and the run records the substitution, as everywhere outside the app's main process.
 */

const GUARD_POLL_MS = 50;

function send(message: RunnerToParent, then?: () => void): void {
  if (!process.connected) return then?.();
  process.send!(message, undefined, {}, () => then?.());
}

function sinkFor(writer: RunWriter): RunSink {
  return {
    beginRun: (meta) => writer.beginRun(meta),
    appendBatches: (runId, batches) => writer.appendBatches(runId, batches),
    saveTrial: (runId, trial) => writer.saveTrial(runId, trial),
    finishRun: (runId, fields) => writer.finishRun(runId, fields),
    flush: () => writer.flush(),
  };
}

/** Tells the parent (and the guard) about a process group the run started: it dies with the run's tree. */
function reportGroup(guard: Worker, pid: number): void {
  actorGroups.add(pid);
  guard.postMessage({ type: 'actor-group', pid } satisfies GuardMessage);
  send({ type: 'actor-started', pid });
}

/** Hosts that tell the parent (and the guard) about every actor process group they start. */
function reportingHosts(guard: Worker): ActorHosts {
  const wrap = (host: ActorHost): ActorHost => ({
    mechanism: host.mechanism,
    start(init, onMessage, options) {
      const handle = host.start(init, onMessage, options);
      if (handle.pid !== null && handle.pid !== process.pid) reportGroup(guard, handle.pid);
      return handle;
    },
  });
  return { thread: nodeHosts.thread, process: wrap(nodeHosts.process), utility: wrap(nodeHosts.utility) };
}

const controller = new AbortController();
let started = false;
let runId: string | null = null;
const actorGroups = new Set<number>();

async function runOne(start: RunnerStart): Promise<void> {
  const guard = new Worker(entryPath('runner-guard'), {
    workerData: { parentPid: start.parentPid, runId: start.runId, pollMs: GUARD_POLL_MS } satisfies GuardData,
  });
  guard.unref();
  let writer: RunWriter | null = null;
  try {
    writer = await RunWriter.open(start.dbPath);
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
      hosts: reportingHosts(guard),
      ...(start.runtime ? { runtime: start.runtime } : {}),
      onProcessGroup: (pid) => reportGroup(guard, pid),
      signal: controller.signal,
      sink: sinkFor(writer),
      onProgress: (progress) => send({ type: 'progress', progress }),
      ...(start.relayBatches ? { onBatch: (batch) => send({ type: 'batch', batch }) } : {}),
    });
    await writer.close();
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
      void runOne(message.start);
      return;
    case 'cancel':
      controller.abort();
      send({ type: 'cancelling' });
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
