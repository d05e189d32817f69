import { utilityProcess } from 'electron';
import { entryPath } from '../engine/entry-paths';
import { PROCESS_EXEC_ARGV, type ActorExit, type ActorHost } from '../engine/actors/hosts';
import type { ActorToRunner, RunnerToActor } from '../engine/actors/protocol';

/** How long after a utility process's exit notice its last messages may still arrive. */
const EXIT_GRACE_MS = 50;

/**
 * Utility actors on Electron's utilityProcess: a Chromium-managed child process that speaks to the
 * runner through `process.parentPort`. It does not exit on an empty event loop, so the actor entry
 * exits explicitly once its last message is handed over (see engine/actors/process-entry.ts).
 * utilityProcess.fork may only be called after the app's 'ready' event.
 */
export const electronUtilityHost: ActorHost = {
  mechanism: 'electron.utilityProcess',
  start(init, onMessage, options) {
    const child = utilityProcess.fork(entryPath('actor-process'), [], {
      serviceName: `conlab ${init.actor.name}`,
      execArgv: [...PROCESS_EXEC_ARGV, `--max-old-space-size=${options.memoryMb}`],
      stdio: 'ignore',
    });
    child.on('message', (message: unknown) => onMessage(message as ActorToRunner));
    let gone = false;
    const exited = new Promise<ActorExit>((resolve) => {
      child.once('exit', (code: number) => {
        gone = true;
        // The exit notice and the child's last messages travel on different channels; a grace period
        // lets messages already in flight be handled first, so a clean exit is not judged as an actor
        // that ended before finishing its program (fork hosts wait for IPC 'disconnect' instead).
        setTimeout(() => resolve({ code, signal: null, error: code ? `the utility process exited with code ${code}` : null }), EXIT_GRACE_MS);
      });
    });
    child.postMessage({ type: 'init', init } satisfies RunnerToActor);
    return {
      get pid() {
        return child.pid ?? null;
      },
      post: (message) => {
        if (!gone) child.postMessage(message);
      },
      kill: () => {
        if (!gone) child.kill();
        return exited.then(() => undefined);
      },
      exited,
    };
  },
};
