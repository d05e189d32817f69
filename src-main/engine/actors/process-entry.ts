// Entry of a process actor: a child process (fork, or Electron's utilityProcess) running one actor's program.
import { readSync } from 'node:fs';
import { Socket } from 'node:net';
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

/** The credit pipe a forked actor reads its answers from (hosts.ts: the fifth stdio entry). */
const CREDIT_FD = 4;
/** Waiting longer than this for answers means none can come while this loop is blocked (see TraceWindow). */
const CREDIT_STALL_MS = 2_000;
const pauseWord = new Int32Array(new SharedArrayBuffer(4));

/**
 * The actor's side of its trace back-pressure: before a batch would bring the payload bytes sent and not yet
 * answered past the window, it waits, inside the step that traced, reading answers from the credit pipe (one byte
 * per answered batch; 0: no more waiting). Only batches that fit the window are counted: while they are, all of
 * them fit in the kernel's buffer of the channel, so they have left this process and their answers will come.
 * Should none come for CREDIT_STALL_MS (a platform with a smaller channel buffer, where a batch can still be in
 * this process's own queue, which only a turn of its loop sends), it stops waiting until the loop has turned.
 */
class TraceWindow {
  private readonly sent: number[] = [];
  private head = 0;
  private unanswered = 0;
  private free = false;
  private stalled = false;
  private readonly buffer = Buffer.alloc(4096);
  /** A pipe handle on the fd puts it in non-blocking mode (it is never read through the handle); kept, so never collected. */
  private readonly handle: Socket;

  constructor(private readonly windowBytes: number) {
    this.handle = new Socket({ fd: CREDIT_FD, readable: false, writable: false });
    this.handle.unref();
  }

  /** Waits for room if needed; true when the batch is to be counted (sent with `answer`). */
  admit(bytes: number): boolean {
    this.read();
    if (this.free || this.stalled || bytes > this.windowBytes) return false;
    if (this.unanswered + bytes > this.windowBytes) {
      const deadline = Date.now() + CREDIT_STALL_MS;
      while (!this.free && this.unanswered > 0 && this.unanswered + bytes > this.windowBytes) {
        if (this.read()) continue;
        if (Date.now() > deadline) {
          this.stalled = true;
          setImmediate(() => (this.stalled = false));
          return false;
        }
        Atomics.wait(pauseWord, 0, 0, 1);
      }
      if (this.free) return false;
    }
    this.sent.push(bytes);
    this.unanswered += bytes;
    return true;
  }

  /** Takes the answers waiting on the pipe; true when there were any. */
  private read(): boolean {
    if (this.free) return false;
    let count: number;
    try {
      count = readSync(CREDIT_FD, this.buffer, 0, this.buffer.length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return false;
      count = 0;
    }
    // End of file (the runner is gone) or an error: nothing more will answer.
    if (count === 0) {
      this.free = true;
      return true;
    }
    for (let i = 0; i < count; i++) {
      if (this.buffer[i] === 0) {
        this.free = true;
        return true;
      }
      if (this.head < this.sent.length) this.unanswered -= this.sent[this.head++]!;
    }
    if (this.head > 1024) {
      this.sent.splice(0, this.head);
      this.head = 0;
    }
    return true;
  }
}

function channel(): { channel: ParentChannel; onInit: (handler: (message: RunnerToActor) => void) => void } {
  const handlers: ((message: RunnerToActor) => void)[] = [];
  const deliver = (message: unknown): void => {
    for (const handler of handlers) handler(message as RunnerToActor);
  };
  let post: (message: ActorToRunner, done?: () => void) => void;
  let window: TraceWindow | null = null;
  handlers.push((message) => {
    if (message.type === 'init' && window === null && !electronPort && message.init.traceWindowBytes !== undefined) window = new TraceWindow(message.init.traceWindowBytes);
  });
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
        const counted = message.type === 'events' && window !== null && window.admit(message.batch.payload.length);
        const sent: ActorToRunner = counted ? { ...message, answer: true } : message;
        lastSend = new Promise((resolve) => post(sent, resolve));
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
