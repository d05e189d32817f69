import { explicitSwitch } from './coroutines/explicit-switch';
import { generatorSwitch } from './coroutines/generator-switch';
import { autoSwitchOnIo } from './coroutines/auto-switch-on-io';
import type { Lesson } from '../model/lesson';
import { daemonProcess } from './processes/daemon-process';
import { ipcQueue } from './processes/ipc-queue';
import { processIsolation } from './processes/process-isolation';
import { processJoin } from './processes/process-join';
import { processLifecycle } from './processes/process-lifecycle';
import { processSharedData } from './processes/process-shared-data';
import { processStart } from './processes/process-start';
import { processPoolCallback } from './processes/process-pool-callback';
import { producerConsumer } from './processes/producer-consumer';
import { ticketRace } from './processes/ticket-race';
import { zombieOrphan } from './processes/zombie-orphan';
import { cpuVsIo } from './threads/cpu-vs-io';
import { daemonThread } from './threads/daemon-thread';
import { deadlock } from './threads/deadlock';
import { event } from './threads/event';
import { pools } from './threads/pools';
import { queueOrders } from './threads/queue-orders';
import { raceCounter } from './threads/race-counter';
import { semaphore } from './threads/semaphore';
import { threadPipeline } from './threads/thread-pipeline';
import { threadSharedMemory } from './threads/thread-shared-memory';
import { threadIntrospection } from './threads/thread-introspection';
import { threadStart } from './threads/thread-start';
import { threadVsProcessIds } from './threads/thread-vs-process-ids';
import { timer } from './threads/timer';
import { tcpBasics } from './sockets/tcp-basics';
import { httpHello } from './sockets/http-hello';
import { udpBasics } from './sockets/udp-basics';
import { ivrBot } from './sockets/ivr-bot';
import { stickyPackets } from './sockets/sticky-packets';
import { fileUpload } from './sockets/file-upload';
import { nonblockingPolling } from './sockets/nonblocking-polling';
import { selectServer } from './sockets/select-server';
import { threadingTcpServer } from './sockets/threading-tcp-server';
import { serverModels } from './sockets/server-models';
import { selectVsEpoll } from './sockets/select-vs-epoll';
import { threadedTcpServer } from './threads/threaded-tcp-server';
import { coroutineEchoServer } from './coroutines/coroutine-echo-server';

/**
 * The lesson catalog, in the order a learner meets the lessons (the order of LESSONS.md, chapter by
 * chapter). Add a lesson: write its module, list it here.
 */
export const LESSONS: readonly Lesson[] = [
  // Processes
  processStart,
  processIsolation,
  processJoin,
  processLifecycle,
  zombieOrphan,
  daemonProcess,
  ticketRace,
  ipcQueue,
  producerConsumer,
  processSharedData,
  processPoolCallback,
  // Threads and locks
  threadStart,
  threadVsProcessIds,
  threadSharedMemory,
  threadPipeline,
  threadIntrospection,
  daemonThread,
  raceCounter,
  cpuVsIo,
  deadlock,
  semaphore,
  event,
  queueOrders,
  timer,
  pools,
  threadedTcpServer,
  // Coroutines
  generatorSwitch,
  explicitSwitch,
  autoSwitchOnIo,
  coroutineEchoServer,
  // Sockets and IO multiplexing
  tcpBasics,
  httpHello,
  udpBasics,
  ivrBot,
  nonblockingPolling,
  selectServer,
  threadingTcpServer,
  stickyPackets,
  fileUpload,
  serverModels,
  selectVsEpoll,
];

export function findLesson(id: string): Lesson | undefined {
  return LESSONS.find((lesson) => lesson.id === id);
}
