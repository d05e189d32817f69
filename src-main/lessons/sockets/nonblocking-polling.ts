import type { Lesson } from '../../model/lesson';
import type { AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

/** A client that connects, is answered once, then stays connected and silent for holdMs before a last exchange. */
const idleClient = (server: string): AuthoredStep[] => [
  { op: 'connect', server, into: 'c' },
  { op: 'send', conn: ref('c'), data: 'hi\n', all: true },
  { op: 'recv', conn: ref('c'), until: '\n', timeoutMs: 10000, into: 'first' },
  { op: 'sleep', ms: { param: 'holdMs' } },
  { op: 'send', conn: ref('c'), data: 'bye\n', all: true },
  { op: 'recv', conn: ref('c'), until: '\n', timeoutMs: 10000, into: 'last' },
  { op: 'record', name: `${server}Served`, value: { concat: [ref('first'), '+', ref('last')] } },
  { op: 'close', conn: ref('c') },
];

export const nonblockingPolling: Lesson = {
  id: 'nonblocking-polling',
  chapter: 'sockets',
  title: { en: 'Non-blocking polling burns the CPU', zh: '非阻塞轮询白白消耗 CPU' },
  text: {
    teaches: {
      en: 'Putting sockets in non-blocking mode lets one thread serve many clients: it loops over them, tries accept() and recv() on each, and moves on when there is nothing ("would block"). It works, but the loop never rests: while every client is silent it still spins, asking each socket again and again. An event-driven server instead asks the operating system to wake it when a socket is ready, and uses no CPU while nothing happens. Both servers here hold the same number of idle clients for the same time.',
      zh: '把套接字设为非阻塞模式后，一个线程就能服务多个客户端：它循环遍历它们，对每个尝试 accept() 和 recv()，没有数据（“会阻塞”）就跳到下一个。这样可行，但循环从不休息：即使所有客户端都不说话，它也在空转，一遍又一遍地询问每个套接字。事件驱动的服务器则请操作系统在套接字就绪时唤醒它，无事发生时不占 CPU。这里两个服务器保持同样数量的空闲客户端，时间也相同。',
    },
    watch: {
      en: 'Both client groups spend the same second asleep. Compare the metrics server.polling.cpuMs and server.events.cpuMs: the polling server used roughly a full core for the whole run, the event-driven one only a few milliseconds.',
      zh: '两组客户端都睡眠同样的一秒。比较指标 server.polling.cpuMs 和 server.events.cpuMs：轮询服务器在整个运行期间几乎占满一个核心，事件驱动的服务器只用了几毫秒。',
    },
    pythonVsNode: {
      en: 'A Python polling server sets setblocking(False) and catches BlockingIOError in a while True loop. Node sockets are always non-blocking underneath and libuv waits in epoll, so a Node server is event-driven by default; the lab\'s "scanning" server reproduces the busy loop on purpose by reading every socket on every turn without waiting.',
      zh: 'Python 示例调用 setblocking(False)，并在 while True 循环里捕获 BlockingIOError。Node 的套接字底层一直是非阻塞的，libuv 在 epoll 中等待，所以 Node 服务器默认就是事件驱动的；实验室的“scanning”服务器特意重现了忙循环：每一轮都不等待地读取每个套接字。',
    },
    tryNext: {
      en: 'Set holdMs=3000: the polling server\'s CPU time grows with the wall time, the event-driven server\'s barely moves. Set clients=1: the polling server still burns a core; the cost is the loop, not the clients.',
      zh: '设置 holdMs=3000：轮询服务器的 CPU 时间随墙钟时间增长，事件驱动服务器几乎不变。设置 clients=1：轮询服务器照样占满一个核心；开销来自循环本身，而不是客户端。',
    },
  },
  results: {
    kind: 'bars',
    title: { en: 'CPU the server spent to serve the same clients', zh: '服务同样的客户端时服务器消耗的 CPU' },
    rowHeader: { en: 'server', zh: '服务器' },
    columns: [{ id: 'cpu', label: { en: 'server CPU time', zh: '服务器 CPU 时间' }, unit: 'ms' }],
    rows: [
      { label: { en: 'polling non-blocking sockets', zh: '轮询非阻塞套接字' }, cells: [{ metric: 'server.polling.cpuMs' }] },
      { label: { en: 'waiting for readiness events', zh: '等待就绪事件' }, cells: [{ metric: 'server.events.cpuMs' }] },
    ],
    ratios: [{ label: { en: 'polling ÷ events', zh: '轮询 ÷ 事件' }, of: { metric: 'server.polling.cpuMs' }, over: { metric: 'server.events.cpuMs' } }],
  },
  presets: [
    { id: 'hold-3s', label: { en: 'Hold for three seconds', zh: '保持三秒' }, params: { holdMs: 3000 } },
    { id: 'one-client', label: { en: 'One client', zh: '一个客户端' }, params: { clients: 1 } },
  ],
  questions: [
    {
      id: 'cpu',
      kind: 'choice',
      text: {
        en: 'Twenty clients stay silent for a second. Which server burns more CPU meanwhile: the one that polls non-blocking sockets in a loop, or the event-driven one?',
        zh: '二十个客户端沉默一秒钟。这段时间里，哪个服务器更耗 CPU：循环轮询非阻塞套接字的那个，还是事件驱动的那个？',
      },
      choices: [
        { id: 'polling', text: { en: 'The polling one, by far (200 ms or more)', zh: '轮询的那个，多得多（多 200 毫秒以上）' }, when: '>=200' },
        { id: 'same', text: { en: 'About the same', zh: '差不多' }, when: '<200' },
      ],
      answerFrom: { difference: [{ metric: 'server.polling.cpuMs' }, { metric: 'server.events.cpuMs' }] },
      why: {
        en: 'The polling loop never rests: it asks every silent socket again and again. The event-driven server sleeps until the operating system says a socket is ready.',
        zh: '轮询循环从不休息，一遍遍地询问每个沉默的套接字；事件驱动的服务器则一直睡到操作系统告诉它某个套接字就绪。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'nonblocking-polling',
    title: { en: 'Busy polling vs waiting for events, same idle clients', zh: '忙轮询与等待事件，同样的空闲客户端' },
    params: {
      clients: { type: 'integer', default: 20, min: 1, max: 500, description: { en: 'idle clients per server', zh: '每个服务器的空闲客户端数' } },
      holdMs: { type: 'integer', default: 1000, min: 100, max: 10000, description: { en: 'how long each client stays connected and silent', zh: '每个客户端保持连接且沉默的时长' } },
    },
    servers: {
      polling: { protocol: 'tcp', model: 'scanning', handler: { kind: 'upper' } },
      events: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'upper' } },
    },
    actors: [
      { name: 'pollClient', kind: 'task', count: { param: 'clients' }, program: idleClient('polling') },
      { name: 'eventClient', kind: 'task', count: { param: 'clients' }, program: idleClient('events') },
    ],
    claims: [
      {
        id: 'both-serve-all',
        text: { en: 'Both servers answer every client, before and after the idle wait', zh: '两个服务器都在空闲等待前后回答了每个客户端' },
        check: {
          all: [
            { compare: [{ record: 'pollingServed', agg: 'count' }, '==', { const: { param: 'clients' } }] },
            { compare: [{ record: 'eventsServed', agg: 'count' }, '==', { const: { param: 'clients' } }] },
            { compare: [{ record: 'pollingServed', agg: 'distinct' }, '==', { const: 1 }] },
            { compare: [{ record: 'eventsServed', agg: 'distinct' }, '==', { const: 1 }] },
          ],
        },
      },
      {
        id: 'polling-burns-cpu',
        text: {
          en: 'Over the same idle period the polling server uses far more CPU: at least 3 times the event-driven server\'s, and at least 200 ms more',
          zh: '在同样的空闲时间里，轮询服务器消耗的 CPU 多得多：至少是事件驱动服务器的 3 倍，且至少多 200 毫秒',
        },
        check: {
          all: [
            { compare: [{ metric: 'server.polling.cpuMs' }, '>=', { metric: 'server.events.cpuMs' }], factor: 3 },
            { compare: [{ metric: 'server.polling.cpuMs' }, '>=', { metric: 'server.events.cpuMs' }], plus: 200 },
          ],
        },
      },
    ],
  },
};
