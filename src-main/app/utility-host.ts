import { utilityProcess } from 'electron';
import { entryPath } from '../engine/entry-paths';
import { PROCESS_EXEC_ARGV, type ActorExit, type ActorHost } from '../engine/actors/hosts';
import type { ActorToRunner, RunnerToActor } from '../engine/actors/protocol';

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
        resolve({ code, signal: null, error: code ? `the utility process exited with code ${code}` : null });
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
