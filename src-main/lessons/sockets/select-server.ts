import type { Lesson } from '../../model/lesson';
import type { AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

const client = (server: string): AuthoredStep[] => [
  { op: 'connect', server, into: 'c' },
  { op: 'send', conn: ref('c'), data: { concat: ['client ', { self: 'index' }, '\n'] }, all: true },
  { op: 'recv', conn: ref('c'), until: '\n', timeoutMs: 10000, into: 'reply' },
  { op: 'sleep', ms: 200 }, // stay connected for a while, so the server holds many sockets at once
  { op: 'record', name: `${server}Reply`, value: ref('reply') },
  { op: 'close', conn: ref('c') },
];

export const selectServer: Lesson = {
  id: 'select-server',
  chapter: 'sockets',
  title: { en: 'One thread, many sockets: select', zh: '一个线程，许多套接字：select' },
  text: {
    teaches: {
      en: 'select() takes a list of sockets, listening ones and connected ones alike, and returns those that are ready. A single thread can therefore accept on several ports and talk to many clients: it waits in select, handles whatever is ready, and waits again. No thread per client, no busy loop. In the lab two such single-threaded servers, on two ports, each serve a group of clients that stay connected at the same time.',
      zh: 'select() 接收一组套接字（监听套接字和已连接套接字都可以），返回其中已就绪的那些。因此单个线程就能在多个端口上 accept，并与许多客户端通信：它在 select 中等待，处理已就绪的，然后再次等待。不需要每个客户端一个线程，也没有忙循环。在实验室里，两个这样的单线程服务器分别在两个端口上，各自服务一组同时保持连接的客户端。',
    },
    watch: {
      en: 'server.portA.maxConcurrentConnections and server.portB.maxConcurrentConnections show many clients connected at once, while threadsUsed stays at 1 for each server.',
      zh: 'server.portA.maxConcurrentConnections 和 server.portB.maxConcurrentConnections 显示许多客户端同时在线，而每个服务器的 threadsUsed 始终为 1。',
    },
    pythonVsNode: {
      en: 'Be aware of what differs. The classic Python version puts both listening sockets into one select() call in one thread. The lab\'s servers each run in their own process, so the two ports here belong to two single-threaded servers, not one. What each shows is the same mechanism: Node never calls select() directly; libuv registers every socket (listening or connected) with epoll on Linux and the one JavaScript thread runs a callback whenever one is ready. One Node process can listen on any number of ports this way (call listen() twice), exactly as the Python version does with select.',
      zh: '请注意差异。Python 示例在一个线程里把两个监听套接字放进同一次 select() 调用。实验室的每个服务器都运行在自己的进程里，所以这里的两个端口属于两个单线程服务器，而不是一个。两者展示的是同一种机制：Node 从不直接调用 select()；libuv 在 Linux 上用 epoll 登记每个套接字（监听的或已连接的），一旦有套接字就绪，唯一的 JavaScript 线程就执行对应的回调。一个 Node 进程用这种方式可以监听任意多个端口（调用两次 listen()），和示例用 select 做的完全一样。',
    },
    tryNext: {
      en: 'Set clients=200: still one thread per server, and all are served. Compare with threading-tcp-server, where the number of threads grows with the number of clients.',
      zh: '设置 clients=200：每个服务器仍然只有一个线程，所有客户端都得到服务。与 threading-tcp-server 对比，那里的线程数随客户端数增长。',
    },
  },
  presets: [
    { id: 'two-hundred', label: { en: '200 clients', zh: '200 个客户端' }, params: { clients: 200 } },
  ],
  questions: [
    {
      id: 'threads',
      kind: 'number',
      text: { en: 'A select() server serves 30 clients on one port. How many threads does it use?', zh: '一个 select() 服务器在一个端口上服务 30 个客户端。它用了几个线程？' },
      min: 0,
      max: 10000,
      answerFrom: { metric: 'server.portA.threadsUsed' },
      tolerance: { absolute: 0 },
      why: {
        en: 'select returns every socket that is ready, listening or connected, so one thread waits, handles what is ready, and waits again.',
        zh: 'select 会返回所有就绪的套接字（监听的和已连接的都算），所以一个线程就够了：等待、处理就绪的、再等待。',
      },
    },
    {
      id: 'at-once',
      kind: 'choice',
      text: { en: 'Are several clients connected to it at the same time?', zh: '有多个客户端同时连着它吗？' },
      choices: [{ id: 'several', text: { en: 'Yes, several at once', zh: '有，好几个同时连着' }, when: '>=2' }, { id: 'one', text: { en: 'No, one at a time', zh: '没有，一次一个' }, when: '<2' }],
      answerFrom: { metric: 'server.portA.maxConcurrentConnections' },
      why: { en: 'No thread per client and no queue: select watches all their sockets together.', zh: '既不需要每客户端一个线程，也不用排队：select 同时盯着所有套接字。' },
    },
  ],
  spec: {
    version: 1,
    id: 'select-server',
    title: { en: 'Single-threaded servers on two ports', zh: '两个端口上的单线程服务器' },
    params: {
      clients: { type: 'integer', default: 30, min: 1, max: 1000, description: { en: 'clients per port', zh: '每个端口的客户端数' } },
    },
    servers: {
      portA: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'upper' } },
      portB: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'upper' } },
    },
    actors: [
      { name: 'clientA', kind: 'task', count: { param: 'clients' }, program: client('portA') },
      { name: 'clientB', kind: 'task', count: { param: 'clients' }, program: client('portB') },
    ],
    claims: [
      {
        id: 'all-served',
        text: { en: 'Every client on both ports gets its own reply', zh: '两个端口上的每个客户端都收到了自己的应答' },
        check: {
          all: [
            { compare: [{ record: 'portAReply', agg: 'distinct' }, '==', { const: { param: 'clients' } }] },
            { compare: [{ record: 'portBReply', agg: 'distinct' }, '==', { const: { param: 'clients' } }] },
          ],
        },
      },
      {
        id: 'one-thread-each',
        text: { en: 'Each server did all of it on one thread', zh: '每个服务器都只用一个线程完成了全部工作' },
        check: {
          all: [
            { compare: [{ metric: 'server.portA.threadsUsed' }, '==', { const: 1 }] },
            { compare: [{ metric: 'server.portB.threadsUsed' }, '==', { const: 1 }] },
          ],
        },
      },
      {
        id: 'many-at-once',
        text: { en: 'Clients were connected at the same time: more than one socket open on each server', zh: '客户端是同时连接的：每个服务器上同时打开的套接字不止一个' },
        when: { compare: [{ param: 'clients' }, '>=', 2] },
        check: {
          all: [
            { compare: [{ metric: 'server.portA.maxConcurrentConnections' }, '>=', { const: 2 }] },
            { compare: [{ metric: 'server.portB.maxConcurrentConnections' }, '>=', { const: 2 }] },
          ],
        },
      },
    ],
  },
};
