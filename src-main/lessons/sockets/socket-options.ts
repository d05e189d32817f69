import type { Lesson } from '../../model/lesson';
import { recordFields } from '../spec-parts';


export const socketOptions: Lesson = {
  id: 'socket-options',
  chapter: 'sockets',
  title: { en: 'Socket options: SO_REUSEADDR, settimeout, the listen backlog', zh: '套接字选项：SO_REUSEADDR、settimeout、监听队列' },
  text: {
    teaches: {
      zh: '三个常见的套接字设置。SO_REUSEADDR：主动关闭连接的一方会让连接在 TIME_WAIT 状态停留一段时间（Linux 上 60 秒），服务器一重启，bind 同一个端口就会失败（EADDRINUSE）；新旧两个服务器套接字都设置了 SO_REUSEADDR，就能立即重新绑定。settimeout：给套接字设置超时后，recv 等不到数据会在超时到点时抛出 socket.timeout，而不是永远阻塞。listen(backlog)：内核替还没 accept 的连接排队，队列满了，新的连接就完成不了握手，只能等待或重试。',
      en: 'Three everyday socket settings. SO_REUSEADDR: the side that closes a connection first keeps it in TIME_WAIT for a while (60 s on Linux), so a restarted server fails to bind its port again (EADDRINUSE); with SO_REUSEADDR set on the old and the new server socket, it binds again at once. settimeout: with a timeout set, a recv that gets no data raises socket.timeout when the time is up instead of blocking forever. listen(backlog): the kernel queues connections not yet accepted; once the queue is full, new connections cannot complete their handshake and wait or retry.',
    },
    watch: {
      zh: 'plain 与 reuse：服务器接受一个连接并先关闭它，连接进入 TIME_WAIT（timeWait 为 true），然后关闭监听套接字再绑定同一个端口。没有选项时 plainOk 为 false、plainErrorType 为 EADDRINUSE；有选项时 reuseOk 为 true。timeout：一个连上却收不到数据的 recv，timeoutMs 到点时 recvWaitTimedOut 为 true，recvWaitMs 记录实际等了多久。backlog：一个从不 accept 的服务器 listen(backlog)，clients 个客户端同时连接，backlogConnected 是完成握手的数量（Linux 上是 backlog + 1），其余都在等待。',
      en: 'plain and reuse: a server accepts a connection and closes it first, the connection goes to TIME_WAIT (timeWait is true), then the listening socket is closed and the same port bound again. Without the option plainOk is false and plainErrorType is EADDRINUSE; with it reuseOk is true. timeout: a connected recv that gets no data; when timeoutMs is up, recvWaitTimedOut is true, and recvWaitMs says how long it waited. backlog: a server that never accepts calls listen(backlog), clients clients connect at once, and backlogConnected counts the handshakes completed (backlog + 1 on Linux); the others wait.',
    },
    pythonVsNode: {
      zh: '这一课只在 CPython 上运行：这几个探测是 CPython 独有的步骤，Node 引擎在开始之前就会拒绝。Node 的 net.Server 在 Unix 上默认就设置了 SO_REUSEADDR，所以重启的 Node 服务器不会遇到这个错误；超时用 socket.setTimeout，它只发出 timeout 事件，不会关闭连接；backlog 是 server.listen 的参数（默认 511）。',
      en: 'This lesson runs on CPython only: these probes are CPython steps, and the Node engine refuses them before anything starts. Node\'s net.Server sets SO_REUSEADDR by default on Unix, so a restarted Node server never meets this error; timeouts are socket.setTimeout, which only emits a timeout event and does not close the connection; the backlog is an argument of server.listen (511 by default).',
    },
    tryNext: {
      zh: '设置 timeoutMs=1000：recv 等待一秒后超时。设置 backlog=0：Linux 上仍有一个连接能完成握手。设置 clients=2：队列装得下，所有客户端都连上了。',
      en: 'Set timeoutMs=1000: recv times out after a second. Set backlog=0: on Linux one connection still completes. Set clients=2: the queue has room, every client connects.',
    },
  },
  presets: [
    { id: 'one-second-timeout', label: { en: 'A one-second timeout', zh: '一秒超时' }, params: { timeoutMs: 1000 } },
    { id: 'backlog-0', label: { en: 'backlog 0', zh: 'backlog 为 0' }, params: { backlog: 0 } },
    { id: 'two-clients', label: { en: 'Two clients', zh: '两个客户端' }, params: { clients: 2 } },
  ],
  questions: [
    {
      id: 'rebind',
      kind: 'choice',
      text: {
        en: 'A server closes, and its port’s last connection is in TIME_WAIT. Can a new server bind the same port without SO_REUSEADDR?',
        zh: '服务器关闭了，端口上最后一个连接处于 TIME_WAIT。不设 SO_REUSEADDR，新服务器能绑定同一个端口吗？',
      },
      choices: [{ id: 'yes', text: { en: 'Yes', zh: '能' }, when: '>=0.5' }, { id: 'no', text: { en: 'No: EADDRINUSE', zh: '不能：EADDRINUSE' }, when: '<0.5' }],
      answerFrom: { record: 'plainOk' },
      why: {
        en: 'The side that closes first keeps the connection in TIME_WAIT for a while, and the port counts as in use. SO_REUSEADDR lets it bind again at once.',
        zh: '先关闭的一方会让连接在 TIME_WAIT 里停留一段时间，端口仍算被占用。SO_REUSEADDR 让它可以立刻重新绑定。',
      },
    },
    {
      id: 'recv-timeout',
      kind: 'number',
      text: {
        en: 'With settimeout(0.2), a recv gets no data. After how many ms does it raise socket.timeout?',
        zh: '设置 settimeout(0.2) 后，一次 recv 收不到数据。它在多少毫秒后抛出 socket.timeout？',
      },
      unit: 'ms',
      min: 0,
      max: 600000,
      answerFrom: { record: 'recvWaitMs' },
      tolerance: { absolute: 100 },
      why: { en: 'The timeout bounds the wait: about 200 ms, instead of blocking for ever.', zh: '超时给等待设了上限：大约 200 毫秒，而不是永远阻塞下去。' },
    },
    {
      id: 'backlog',
      kind: 'number',
      text: {
        en: 'A server with listen backlog 2 never accepts; 8 clients try to connect. How many handshakes complete?',
        zh: '一个 listen backlog 为 2 的服务器从不 accept；8 个客户端来连接。有几次握手能完成？',
      },
      min: 0,
      max: 10000,
      answerFrom: { record: 'backlogConnected' },
      tolerance: { absolute: 1 },
      why: {
        en: 'The kernel completes handshakes into the accept queue until it is full (on Linux about backlog + 1); the other clients wait.',
        zh: '内核会把完成握手的连接放进 accept 队列，直到队列满（Linux 上约为 backlog + 1）；其余客户端只能等着。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'socket-options',
    title: { en: 'Rebinding in TIME_WAIT, a recv timeout, a full backlog', zh: 'TIME_WAIT 中重新绑定、recv 超时、监听队列满' },
    params: {
      timeoutMs: { type: 'integer', default: 200, min: 10, max: 5_000, description: { en: 'the socket timeout of recv', zh: 'recv 的套接字超时' } },
      backlog: { type: 'integer', default: 2, min: 0, max: 16, description: { en: 'listen backlog of the server that never accepts', zh: '从不 accept 的服务器的 listen 队列长度' } },
      clients: { type: 'integer', default: 8, min: 1, max: 64, description: { en: 'clients connecting at once', zh: '同时连接的客户端数' } },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'mark', name: 'reuseaddr' },
          { op: 'rebind_probe', reuse: false, into: 'plain' },
          ...recordFields('plain', ['ok', 'errorType', 'timeWait']),
          { op: 'rebind_probe', reuse: true, into: 'reuse' },
          ...recordFields('reuse', ['ok', 'timeWait']),
          { op: 'mark', name: 'settimeout' },
          { op: 'recv_timeout', timeoutMs: { param: 'timeoutMs' }, into: 'recvWait' },
          ...recordFields('recvWait', ['timedOut', 'ms']),
          { op: 'mark', name: 'backlog' },
          { op: 'backlog_probe', backlog: { param: 'backlog' }, clients: { param: 'clients' }, into: 'backlog' },
          ...recordFields('backlog', ['connected', 'pending']),
        ],
      },
    ],
    claims: [
      {
        id: 'time-wait-blocks-rebind',
        text: { en: 'Without SO_REUSEADDR, binding a port whose last connection is in TIME_WAIT fails with EADDRINUSE', zh: '不设 SO_REUSEADDR 时，绑定一个最后的连接还在 TIME_WAIT 的端口会以 EADDRINUSE 失败' },
        requires: { platform: 'linux' },
        check: { all: [{ compare: [{ record: 'plainTimeWait' }, '==', { const: true }] }, { compare: [{ record: 'plainOk' }, '==', { const: false }] }, { compare: [{ record: 'plainErrorType' }, '==', { const: 'EADDRINUSE' }] }] },
      },
      {
        id: 'reuseaddr-rebinds',
        text: { en: 'With SO_REUSEADDR the same port binds again at once, TIME_WAIT or not', zh: '设置 SO_REUSEADDR 后，即使有 TIME_WAIT，同一个端口也能立即重新绑定' },
        requires: { platform: 'linux' },
        check: { all: [{ compare: [{ record: 'reuseTimeWait' }, '==', { const: true }] }, { compare: [{ record: 'reuseOk' }, '==', { const: true }] }] },
      },
      {
        id: 'recv-times-out',
        text: { en: 'With settimeout, a recv that gets nothing raises socket.timeout after about the timeout', zh: '设置 settimeout 后，收不到数据的 recv 在超时时间左右抛出 socket.timeout' },
        check: {
          all: [
            { compare: [{ record: 'recvWaitTimedOut' }, '==', { const: true }] },
            { compare: [{ record: 'recvWaitMs' }, '>=', { const: { param: 'timeoutMs' } }], factor: 0.98 },
            { compare: [{ record: 'recvWaitMs' }, '<', { const: { param: 'timeoutMs' } }], plus: 500 },
          ],
        },
      },
      {
        id: 'backlog-full',
        text: { en: 'A server that never accepts completes about backlog + 1 handshakes; the other clients wait', zh: '从不 accept 的服务器只完成约 backlog + 1 次握手，其余客户端都在等待' },
        requires: { platform: 'linux' },
        // Linux queues backlog + 1 completed connections; one more of margin for the kernel's own accounting.
        check: {
          all: [
            { compare: [{ record: 'backlogConnected' }, '>=', { const: 1 }] },
            { compare: [{ record: 'backlogConnected' }, '<=', { const: { param: 'backlog' } }], plus: 2 },
          ],
        },
      },
    ],
  },
};
