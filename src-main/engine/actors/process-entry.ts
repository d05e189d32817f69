// Entry of a process actor: a child process (fork, or Electron's utilityProcess) running one actor's program.
import v8 from 'node:v8';
import { runActor, type ParentChannel } from './actor-runtime';
import type { ActorToRunner, RunnerToActor } from './protocol';

// Timings must be stable: V8's concurrent on-stack replacement makes tight loops randomly ~8x slower here.
v8.setFlagsFromString('--no-concurrent-osr');

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}
const electronPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;

/**
 * The runner is gone: end this actor and whatever it started. A forked actor leads its own process
 * group (the host forks it detached), so the group holds its OS children and their children; a group
 * id equal to our pid can only be our own group, so the kill never reaches anything else. Where there
 * is no such group (a utility process, Windows) only this process exits.
 */
function exitWithGroup(): never {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    // no group of our own
  }
  process.exit(0);
}

function exitWhenParentGoes(initialPpid: number): void {
  // A child must not outlive its runner. The IPC channel's 'disconnect' covers fork; a parent-pid
  // check covers hosts without that event (and a disconnect that happened before we listened). Both
  // need this loop to turn: an actor blocked in Atomics.wait is ended by the runner's group watchdog.
  process.on('disconnect', exitWithGroup);
  if (!electronPort && !process.connected) exitWithGroup();
  setInterval(() => {
    if (process.ppid !== initialPpid) exitWithGroup();
  }, 250).unref();
}

function channel(): { channel: ParentChannel; onInit: (handler: (message: RunnerToActor) => void) => void } {
  const handlers: ((message: RunnerToActor) => void)[] = [];
  const deliver = (message: unknown): void => {
    for (const handler of handlers) handler(message as RunnerToActor);
  };
  let post: (message: ActorToRunner, done?: () => void) => void;
  if (electronPort) {
    electronPort.on('message', (event) => deliver(event.data));
    post = (message, done) => {
      electronPort.postMessage(message);
      done?.();
    };
  } else {
    process.on('message', deliver);
    post = (message, done) => {
      if (process.connected) process.send!(message, undefined, {}, () => done?.());
      else done?.();
    };
  }
  let lastSend: Promise<void> = Promise.resolve();
  return {
    onInit: (handler) => handlers.push(handler),
    channel: {
      post: (message) => {
        lastSend = new Promise((resolve) => post(message, resolve));
      },
      onMessage: (handler) => handlers.push(handler),
      hold: () => {},
      release: () => {},
      // Utility processes do not exit on an empty loop, and an open IPC channel keeps a fork alive:
      // exit explicitly once the last message has been handed to the channel.
      finish: (code) => {
        void lastSend.then(() => process.exit(code));
      },
    },
  };
}

exitWhenParentGoes(process.ppid);
const { channel: parent, onInit } = channel();
let started = false;
onInit((message) => {
  if (message.type !== 'init' || started) return;
  started = true;
  void runActor(message.init, parent);
});
