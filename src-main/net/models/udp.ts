import type { RemoteInfo, Socket as DatagramSocket } from 'node:dgram';
import { CpuMeter } from '../cpu-time';
import { createDatagramHandler } from '../session';
import { bindUdp, closeUdp } from '../udp-bind';
import type { ModelContext, ModelServer } from './model';
import { ChildGroup } from './processes';
import { WorkerGroup, type RelayWorker } from './worker-group';

/**
 * UDP under the models that make sense without connections. Each datagram is one request and its
 * answer one datagram: boundaries are kept by the protocol, nothing to frame.
 */

function send(ctx: ModelContext, socket: DatagramSocket, reply: Buffer | Uint8Array, to: RemoteInfo): void {
  ctx.counters.bytesOut += reply.byteLength;
  socket.send(reply, to.port, to.address);
}

/** event-loop: every datagram is answered as soon as its handler is done; a waiting handler holds up no one. */
export async function startUdpEventLoop(ctx: ModelContext): Promise<ModelServer> {
  const { config, counters } = ctx;
  const answer = createDatagramHandler(config.handler);
  const { socket, address } = await bindUdp(config.host, config.port);
  socket.on('message', (bytes, from) => {
    counters.bytesIn += bytes.length;
    const reply = answer(bytes);
    if (reply instanceof Promise) {
      void reply.then((ready) => {
        counters.requests++;
        send(ctx, socket, ready, from);
      });
    } else {
      counters.requests++;
      send(ctx, socket, reply, from);
    }
  });
  const meter = new CpuMeter();
  return {
    address,
    metrics: () => Promise.resolve(counters.snapshot(meter)),
    async stop() {
      await closeUdp(socket);
      return 0;
    },
  };
}

/** blocking-serial: one datagram at a time, in arrival order; the next waits until the last is answered. */
export async function startUdpBlockingSerial(ctx: ModelContext): Promise<ModelServer> {
  const { config, counters } = ctx;
  const answer = createDatagramHandler(config.handler);
  const { socket, address } = await bindUdp(config.host, config.port);
  const queue: { bytes: Buffer; from: RemoteInfo }[] = [];
  let busy = false;
  let open = true;
  const next = (): void => {
    while (!busy && open && queue.length > 0) {
      const { bytes, from } = queue.shift()!;
      const reply = answer(bytes);
      if (reply instanceof Promise) {
        busy = true;
        void reply.then((ready) => {
          counters.requests++;
          if (open) send(ctx, socket, ready, from);
          busy = false;
          next();
        });
      } else {
        counters.requests++;
        send(ctx, socket, reply, from);
      }
    }
  };
  socket.on('message', (bytes, from) => {
    counters.bytesIn += bytes.length;
    queue.push({ bytes, from });
    next();
  });
  const meter = new CpuMeter();
  return {
    address,
    metrics: () => Promise.resolve(counters.snapshot(meter)),
    async stop() {
      open = false;
      await closeUdp(socket);
      return 0;
    },
  };
}

/** worker-pool: the server's thread receives, a worker thread answers (round robin), the server's thread sends. */
export async function startUdpWorkerPool(ctx: ModelContext): Promise<ModelServer> {
  const { config, counters } = ctx;
  const workers = new WorkerGroup(ctx, counters);
  const pool: RelayWorker[] = [];
  const { socket, address } = await bindUdp(config.host, config.port);
  const waiting = new Map<number, RemoteInfo>();
  let nextId = 1;
  let nextWorker = 0;
  for (let i = 0; i < config.workers; i++) {
    const relay = workers.spawn({ mode: 'pool', session: null, datagramHandler: config.handler });
    relay.onMessage((message) => {
      if (message.type !== 'reply') return;
      const to = waiting.get(message.id);
      waiting.delete(message.id);
      if (to) send(ctx, socket, message.bytes, to);
    });
    pool.push(relay);
  }
  socket.on('message', (bytes, from) => {
    counters.bytesIn += bytes.length;
    const id = nextId++;
    waiting.set(id, from);
    pool[nextWorker]!.post({ type: 'datagram', id, bytes });
    nextWorker = (nextWorker + 1) % pool.length;
  });
  const meter = new CpuMeter();
  return {
    address,
    async metrics() {
      const totals = await workers.totals();
      counters.requests = totals.requests;
      return counters.snapshot(meter, totals.cpu);
    },
    async stop(graceMs) {
      await closeUdp(socket);
      await workers.stopAll(graceMs);
      counters.requests = (await workers.totals()).requests;
      return 0;
    },
  };
}

/** cluster: N processes receive on the one shared UDP socket; the kernel gives each datagram to one of them. */
export async function startUdpCluster(ctx: ModelContext): Promise<ModelServer> {
  const { config, counters } = ctx;
  const children = new ChildGroup(ctx, counters);
  const { socket, address } = await bindUdp(config.host, config.port);
  try {
    const started = await Promise.all(Array.from({ length: config.workers }, () => children.spawn({ essential: true })));
    for (const child of started) {
      const serving = child.expect('serving');
      await child.send({ type: 'serve-datagrams', handler: config.handler }, socket);
      await serving;
    }
  } catch (error) {
    await children.stopAll(0);
    await closeUdp(socket);
    throw error;
  }
  await closeUdp(socket);
  return children.serving(address, counters);
}
