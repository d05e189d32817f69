import type { Lesson } from '../../model/lesson';
import type { AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

/** A client thread: connects, is answered, keeps the connection for holdMs, is answered again, leaves. */
const client: AuthoredStep[] = [
  { op: 'connect', server: 'upper', into: 'c' },
  { op: 'send', conn: ref('c'), data: { concat: ['hello from client ', { self: 'index' }, '\n'] }, all: true },
  { op: 'recv', conn: ref('c'), until: '\n', timeoutMs: 10000, into: 'hello' },
  // Everyone is connected and answered (starting threads takes a while); from here all hold together.
  { op: 'wait', prim: 'allConnected' },
  { op: 'if', cond: { compare: [{ self: 'index' }, '==', 0] }, then: [{ op: 'set', prim: 'go' }] },
  { op: 'sleep', ms: { param: 'holdMs' } },
  { op: 'send', conn: ref('c'), data: 'bye\n', all: true },
  { op: 'recv', conn: ref('c'), until: '\n', timeoutMs: 10000, into: 'bye' },
  { op: 'record', name: 'served', value: { concat: [ref('hello'), ' / ', ref('bye')] } },
  { op: 'close', conn: ref('c') },
];

export const threadedTcpServer: Lesson = {
  id: 'threaded-tcp-server',
  chapter: 'threads',
  title: { en: 'A TCP server with a thread per connection', zh: '每个连接一个线程的 TCP 服务器' },
  text: {
    teaches: {
      en: 'A server that serves one connection at a time keeps every other client waiting for as long as the current one stays connected. Giving each accepted connection its own thread removes the queue: every client has a thread that talks only to it. Here eight client threads each keep their connection open for holdMs while the upper-casing server answers them; all of them are served, and the whole exchange lasts about holdMs, not eight times that.',
      zh: '一次只服务一条连接的服务器，会让其他所有客户端一直等到当前客户端断开为止。给每个接受的连接分配一个线程就消除了排队：每个客户端都有一个只为它服务的线程。这里八个客户端线程各自把连接保持 holdMs，由转大写的服务器回答；所有客户端都得到服务，整个过程持续约 holdMs，而不是它的八倍。',
    },
    watch: {
      en: 'The eight client lanes overlap almost completely. The metric server.upper.maxConcurrentConnections reaches the number of clients, and server.upper.threadsUsed counts one thread per connection (plus the one that accepts).',
      zh: '八条客户端泳道几乎完全重叠。指标 server.upper.maxConcurrentConnections 达到客户端数，server.upper.threadsUsed 为每个连接计一个线程（另加负责 accept 的那个线程）。',
    },
    pythonVsNode: {
      en: 'Python starts threading.Thread(target=handle, args=(conn,)) after each accept(). In Node a thread per connection is unusual, because the event loop already serves many sockets on one thread; the lab\'s server does it with worker threads, handing each accepted socket to its own worker, so the model matches the Python program.',
      zh: 'Python 在每次 accept() 之后启动 threading.Thread(target=handle, args=(conn,))。在 Node 中每连接一个线程并不常见，因为事件循环本来就能在一个线程上服务多个套接字；实验室的服务器用工作线程实现它，把每个接受的套接字交给各自的工作线程，使模型与 Python 程序一致。',
    },
    tryNext: {
      en: 'Set clients=32: still about holdMs in total, with 32 server threads. Compare with coroutine-echo-server, which serves 500 clients without a single extra thread.',
      zh: '设置 clients=32：总时间仍约为 holdMs，服务器用了 32 个线程。与 coroutine-echo-server 对比，那里 500 个客户端也不需要额外的线程。',
    },
  },
  results: {
    kind: 'bars',
    title: { en: 'Clients held at once, against one after another', zh: '同时持有客户端与逐个处理相比' },
    rowHeader: { en: 'quantity', zh: '指标' },
    columns: [{ id: 'ms', label: { en: 'time', zh: '耗时' }, unit: 'ms' }],
    rows: [
      { label: { en: 'every client held, threaded', zh: '多线程同时持有所有客户端' }, cells: [{ record: 'holdPhaseMs' }] },
      { label: { en: 'all holds added up', zh: '所有持有时间之和' }, cells: [{ record: 'sumOfHoldsMs' }] },
    ],
  },
  presets: [
    { id: 'thirty-two-clients', label: { en: '32 clients', zh: '32 个客户端' }, params: { clients: 32 } },
  ],
  questions: [
    {
      id: 'at-once',
      kind: 'number',
      text: {
        en: 'Eight clients each keep a connection open for 200 ms. At most how many connections does the server hold at once?',
        zh: '八个客户端各把连接保持 200 毫秒。服务器同一时刻最多保持几个连接？',
      },
      min: 0,
      max: 10000,
      answerFrom: { metric: 'server.upper.maxConcurrentConnections' },
      tolerance: { absolute: 0 },
      why: {
        en: 'Each accepted connection gets a thread of its own, so no client waits for another: all 8 are connected together.',
        zh: '每个被接受的连接都有自己的线程，没有客户端需要等别人：8 个同时在线。',
      },
    },
    {
      id: 'hold-time',
      kind: 'choice',
      text: { en: 'From then on, holding and saying goodbye takes…', zh: '从那时起，保持连接和道别总共要……' },
      choices: [
        { id: 'one', text: { en: 'about one holding time', zh: '大约一个保持时长' }, when: '<0.5' },
        { id: 'sum', text: { en: 'the holding times added up', zh: '所有保持时长之和' }, when: '>=0.5' },
      ],
      answerFrom: { ratio: [{ record: 'holdPhaseMs' }, { record: 'sumOfHoldsMs' }] },
      why: { en: 'With a thread per connection the holds overlap: about 200 ms, not 8 × 200 ms.', zh: '每个连接一个线程，保持时间相互重叠：大约 200 毫秒，而不是 8 × 200 毫秒。' },
    },
  ],
  spec: {
    version: 1,
    id: 'threaded-tcp-server',
    title: { en: 'Eight clients held open at once', zh: '八个客户端同时保持连接' },
    params: {
      clients: { type: 'integer', default: 8, min: 2, max: 64 },
      holdMs: { type: 'integer', default: 200, min: 50, max: 5000, description: { en: 'how long each client keeps its connection', zh: '每个客户端保持连接的时长' } },
    },
    primitives: {
      allConnected: { type: 'barrier', parties: { param: 'clients' } },
      go: { type: 'event' },
    },
    servers: { upper: { protocol: 'tcp', model: 'thread-per-connection', handler: { kind: 'upper' } } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'record', name: 'sumOfHoldsMs', value: { mul: [{ param: 'clients' }, { param: 'holdMs' }] } },
          { op: 'spawn', actor: 'client' },
          { op: 'wait', prim: 'go' },
          { op: 'let', name: 't0', value: { now: 'ms' } },
          { op: 'join', actor: 'client' },
          { op: 'record', name: 'holdPhaseMs', value: { sub: [{ now: 'ms' }, ref('t0')] } },
        ],
      },
      { name: 'client', kind: 'thread', count: { param: 'clients' }, autostart: false, program: client },
    ],
    claims: [
      {
        id: 'all-served',
        text: { en: 'Every client is served, each with its own reply', zh: '每个客户端都得到了服务，各有各的应答' },
        check: {
          all: [
            { compare: [{ record: 'served', agg: 'distinct' }, '==', { const: { param: 'clients' } }] },
            { compare: [{ metric: 'server.upper.connectionsAccepted' }, '==', { const: { param: 'clients' } }] },
          ],
        },
      },
      {
        id: 'overlapping',
        text: {
          en: 'All clients are connected and answered at the same time, and from then on holding and saying goodbye takes less than half the sum of the holding times: about one holding time, not one per client',
          zh: '所有客户端同时处于连接状态并都已得到应答；从那时起，保持连接和道别所用的时间不到所有保持时间之和的一半：约为一个保持时间，而不是每个客户端一个',
        },
        check: {
          all: [
            { compare: [{ record: 'holdPhaseMs' }, '<', { record: 'sumOfHoldsMs' }], factor: 0.5 },
            { compare: [{ record: 'holdPhaseMs' }, '>=', { const: { param: 'holdMs' } }], factor: 0.5 },
            { compare: [{ metric: 'server.upper.maxConcurrentConnections' }, '==', { const: { param: 'clients' } }] },
          ],
        },
      },
      {
        id: 'thread-each',
        text: { en: 'The server started a thread for each connection', zh: '服务器为每个连接启动了一个线程' },
        check: { compare: [{ metric: 'server.upper.threadsUsed' }, '>=', { const: { param: 'clients' } }] },
      },
    ],
  },
};
