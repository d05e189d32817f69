import type { Lesson } from '../../model/lesson';
import type { AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
/** How long the handler blocks its thread per request: the `delayMs` parameter. */
const delay = { param: 'delayMs' };

/**
 * A client. On the threaded server it first exchanges a greeting, so that its server thread is up
 * (starting a thread costs tens of milliseconds); the serial server could not answer that before the
 * other clients leave, so its clients skip it. Then every client waits at the barrier and all send
 * their request at the same moment.
 */
const client = (server: 'threaded' | 'serial'): AuthoredStep[] => [
  { op: 'connect', server, into: 'c' },
  ...(server === 'threaded'
    ? ([
        { op: 'send', conn: ref('c'), data: 'hello\n', all: true },
        { op: 'recv', conn: ref('c'), until: '\n', timeoutMs: 30000, into: 'greeting' },
      ] satisfies AuthoredStep[])
    : []),
  { op: 'wait', prim: `${server}Ready` },
  // The barrier releases everyone at once; the first client tells main to start its clock.
  { op: 'if', cond: { compare: [{ self: 'index' }, '==', 0] }, then: [{ op: 'set', prim: `${server}Go` }] },
  { op: 'send', conn: ref('c'), data: { concat: ['request ', { self: 'index' }, '\n'] }, all: true },
  { op: 'recv', conn: ref('c'), until: '\n', timeoutMs: 30000, into: 'reply' },
  { op: 'record', name: `${server}Reply`, value: ref('reply') },
  { op: 'close', conn: ref('c') },
];

/** Starts a client group, lets it go once every client is connected, and records how long the requests took. */
const timed = (group: string, go: string, into: string): AuthoredStep[] => [
  { op: 'spawn', actor: group },
  { op: 'wait', prim: go },
  { op: 'let', name: 't0', value: { now: 'ms' } },
  { op: 'join', actor: group },
  { op: 'record', name: into, value: { sub: [{ now: 'ms' }, ref('t0')] } },
];

export const threadingTcpServer: Lesson = {
  id: 'threading-tcp-server',
  chapter: 'sockets',
  title: { en: 'A thread per request: ThreadingTCPServer', zh: '每个请求一个线程：ThreadingTCPServer' },
  text: {
    teaches: {
      en: 'socketserver.ThreadingTCPServer waits for connections in its main loop and hands each accepted one to a new thread, which runs the handler. When the handler has to wait (a database, a disk, another service), only its own thread waits; the others keep going. Here every request makes its thread wait delayMs (150 ms by default). With a thread per connection, all clients are answered in about one delay; the same handler behind a server that serves one client at a time takes one delay per client.',
      zh: 'socketserver.ThreadingTCPServer 在主循环中等待连接，把每个接受的连接交给一个新线程去运行处理函数。处理函数需要等待时（数据库、磁盘、另一个服务），只有它自己的线程在等，其他线程照常运行。这里每个请求都让它的线程等待 delayMs 毫秒（默认 150）。每连接一个线程时，所有客户端大约在一个延迟内都得到应答；同样的处理函数放在一次只服务一个客户端的服务器后面，每个客户端都要花一个延迟。',
    },
    watch: {
      en: 'Each phase starts when every client is connected (the threaded clients first exchange a greeting, so the server\'s threads are already running). In the threaded phase the client lanes then all end at about the same moment; in the serial phase they end one delay apart, like a staircase. server.threaded.threadsUsed counts the threads the server started.',
      zh: '每个阶段都在所有客户端连上之后才开始计时（多线程阶段的客户端先互相问候一次，因此服务器的线程已经在运行）。随后在多线程阶段，各客户端泳道几乎同时结束；串行阶段，它们每隔一个延迟结束一个，像台阶一样。server.threaded.threadsUsed 统计服务器启动的线程数。',
    },
    pythonVsNode: {
      en: 'In Python the handler\'s time.sleep releases the GIL, so the threads really wait in parallel. The lab\'s thread-per-connection server gives each connection a worker thread, and the delay handler blocks that thread (Atomics.wait), as time.sleep blocks a Python thread. An ordinary Node server would not need threads for this: an awaited timer lets one thread wait for all of them (see coroutine-echo-server).',
      zh: '在 Python 中，处理函数里的 time.sleep 会释放 GIL，所以这些线程真的是并行等待。实验室的每连接一线程服务器给每条连接一个工作线程，延迟处理函数会阻塞该线程（Atomics.wait），就像 time.sleep 阻塞 Python 线程一样。普通的 Node 服务器做这件事并不需要线程：一个被 await 的定时器就能让单个线程同时等待所有请求（见 coroutine-echo-server）。',
    },
    tryNext: {
      en: 'Set clients=16: the threaded phase still takes about one delay, the serial phase twice as long as before. Set clients=2: the gap narrows to two delays against one. Set delayMs=20: the threads were started before the clock, so even a short wait keeps the ratio near clients to 1, until the round trips themselves start to count.',
      zh: '设置 clients=16：多线程阶段仍约为一个延迟，串行阶段比之前长一倍。设置 clients=2：差距缩小为两个延迟对一个延迟。设置 delayMs=20：线程在计时之前就已启动，所以即使等待很短，比例仍接近“客户端数比 1”，直到往返本身的开销开始显现。',
    },
  },
  results: {
    kind: 'bars',
    title: { en: 'Serving the same clients with and without threads', zh: '有线程和无线程时服务同样的客户端' },
    rowHeader: { en: 'server', zh: '服务器' },
    columns: [{ id: 'ms', label: { en: 'time to serve every client', zh: '服务完所有客户端的耗时' }, unit: 'ms' }],
    rows: [
      { label: { en: 'threading server', zh: '多线程服务器' }, cells: [{ record: 'threadedMs' }] },
      { label: { en: 'serial server', zh: '串行服务器' }, cells: [{ record: 'serialMs' }] },
      { label: { en: 'all delays added up', zh: '所有延迟之和' }, cells: [{ record: 'sumOfDelaysMs' }] },
    ],
    ratios: [{ label: { en: 'serial ÷ threading', zh: '串行 ÷ 多线程' }, of: { record: 'serialMs' }, over: { record: 'threadedMs' } }],
  },
  presets: [
    { id: 'sixteen-clients', label: { en: '16 clients', zh: '16 个客户端' }, params: { clients: 16 } },
    { id: 'two-clients', label: { en: 'Two clients', zh: '两个客户端' }, params: { clients: 2 } },
    { id: 'short-delay', label: { en: 'A 20 ms delay', zh: '延迟 20 毫秒' }, params: { delayMs: 20 } },
  ],
  questions: [
    {
      id: 'threaded-ms',
      kind: 'number',
      text: {
        en: '8 clients, each request waits 150 ms on the server. With a thread per request, how many ms until all are served?',
        zh: '8 个客户端，每个请求在服务器上要等 150 毫秒。每个请求一个线程时，全部服务完要多少毫秒？',
      },
      unit: 'ms',
      min: 0,
      max: 600000,
      answerFrom: { record: 'threadedMs' },
      tolerance: { absolute: 150 },
      why: { en: 'Each request waits in its own thread, so the waits overlap: about one delay plus overhead, not eight.', zh: '每个请求在自己的线程里等，等待相互重叠：大约一个延迟再加些开销，而不是八个。' },
    },
    {
      id: 'serial-ms',
      kind: 'number',
      text: { en: 'And served one at a time by a plain TCPServer?', zh: '如果由普通 TCPServer 一次服务一个呢？' },
      unit: 'ms',
      min: 0,
      max: 600000,
      answerFrom: { record: 'serialMs' },
      tolerance: { relative: 0.25 },
      why: { en: 'One at a time, the delays add up: 8 × 150 ms ≈ 1200 ms.', zh: '一次一个，延迟就累加起来：8 × 150 毫秒 ≈ 1200 毫秒。' },
    },
  ],
  spec: {
    version: 1,
    id: 'threading-tcp-server',
    title: { en: 'Waiting requests: a thread each, or one after another', zh: '需要等待的请求：每个一个线程，还是一个接一个' },
    params: {
      clients: { type: 'integer', default: 8, min: 2, max: 64 },
      delayMs: { type: 'integer', default: 150, min: 20, max: 2_000 },
    },
    primitives: {
      threadedReady: { type: 'barrier', parties: { param: 'clients' } },
      threadedGo: { type: 'event' },
      serialReady: { type: 'barrier', parties: { param: 'clients' } },
      serialGo: { type: 'event' },
    },
    servers: {
      threaded: { protocol: 'tcp', model: 'thread-per-connection', handler: { kind: 'delay', ms: delay, blocking: true } },
      serial: { protocol: 'tcp', model: 'blocking-serial', handler: { kind: 'delay', ms: delay, blocking: true } },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'record', name: 'sumOfDelaysMs', value: { mul: [{ param: 'clients' }, delay] } },
          ...timed('threadedClient', 'threadedGo', 'threadedMs'),
          ...timed('serialClient', 'serialGo', 'serialMs'),
        ],
      },
      { name: 'threadedClient', kind: 'task', count: { param: 'clients' }, autostart: false, program: client('threaded') },
      { name: 'serialClient', kind: 'task', count: { param: 'clients' }, autostart: false, program: client('serial') },
    ],
    claims: [
      {
        id: 'all-served',
        text: { en: 'Both servers answer every client', zh: '两个服务器都回答了每个客户端' },
        check: {
          all: [
            { compare: [{ record: 'threadedReply', agg: 'distinct' }, '==', { const: { param: 'clients' } }] },
            { compare: [{ record: 'serialReply', agg: 'distinct' }, '==', { const: { param: 'clients' } }] },
          ],
        },
      },
      {
        id: 'parallel',
        text: {
          en: 'With a thread per connection the waits overlap: all clients are served in less than half the sum of their delays',
          zh: '每连接一个线程时，等待相互重叠：所有客户端被服务完所用的时间不到各自延迟之和的一半',
        },
        check: { compare: [{ record: 'threadedMs' }, '<', { record: 'sumOfDelaysMs' }], factor: 0.5 },
      },
      {
        id: 'serial-sums',
        text: { en: 'Served one at a time, the delays add up: the serial phase takes nearly the sum of the delays (at least 80 % of it)', zh: '一次只服务一个时，延迟会累加：串行阶段用时接近各延迟之和（至少为其 80%）' },
        check: { compare: [{ record: 'serialMs' }, '>=', { record: 'sumOfDelaysMs' }], factor: 0.8 },
      },
      {
        id: 'threads-used',
        text: { en: 'The threaded server started a thread for each client', zh: '多线程服务器为每个客户端启动了一个线程' },
        check: { compare: [{ metric: 'server.threaded.threadsUsed' }, '>=', { const: { param: 'clients' } }] },
      },
    ],
  },
};
