// Entry of a thread actor: a worker_threads Worker running one actor's program.
import { parentPort, workerData } from 'node:worker_threads';
import { runActor } from './actor-runtime';
import type { ActorInit, RunnerToActor, ThreadToHost } from './protocol';

if (!parentPort) throw new Error('the thread actor entry runs inside a worker thread');
const port = parentPort;
// The port keeps the worker alive only while a broker reply is awaited: when the program is done
// and nothing is pending, the worker's loop empties and the thread ends by itself.
port.unref();

void runActor(workerData as ActorInit, {
  post: (message) => port.postMessage(message),
  onMessage: (handler) => {
    port.on('message', (message: RunnerToActor) => handler(message));
    port.unref(); // adding a listener refs the port again
  },
  hold: () => port.ref(),
  release: () => port.unref(),
  finish: () => port.unref(),
  postColumns: (batch) => {
    const message: ThreadToHost = { type: 'event-columns', batch };
    port.postMessage(message);
  },
});
