import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

export const coroutineEchoServer: Lesson = {
  id: 'coroutine-echo-server',
  chapter: 'coroutines',
  title: { en: 'One thread, 500 clients: an event-loop echo server', zh: '一个线程，500 个客户端：事件循环回显服务器' },
  text: {
    teaches: {
      en: 'With coroutines (gevent in Python, async functions in Node) a server gives each client a cheap coroutine instead of a thread. Whenever one would wait for its socket, it yields and the loop runs another one that has data. A single thread can thus hold hundreds of connections open and answer all of them. Here a load generator opens connections concurrently, keeps them all open, and sends echo requests over them.',
      zh: '有了协程（示例中是 gevent，Node 中是 async 函数），服务器为每个客户端分配一个廉价的协程，而不是一个线程。每当某个协程要等待它的套接字时，就让出控制权，事件循环转而运行另一个有数据的协程。这样单个线程就能同时保持几百条连接并全部作答。这里一个负载生成器并发地打开多条连接，全程保持打开，并在其上发送回显请求。',
    },
    watch: {
      en: 'The load step\'s report: every request sent was answered, none failed. On the server side, server.echo.maxConcurrentConnections reaches the number of connections, while server.echo.threadsUsed stays 1.',
      zh: '看 load 步骤的报告：发出的每个请求都得到了应答，没有失败。服务器一侧，server.echo.maxConcurrentConnections 达到连接数，而 server.echo.threadsUsed 始终为 1。',
    },
    pythonVsNode: {
      en: 'gevent needs monkey.patch_all() so that socket calls yield instead of blocking. Node needs nothing: its sockets never block, and every connection\'s handler is a callback or an async function run by the single event loop. The cost per connection is a small object and a file descriptor, not a thread stack.',
      zh: 'gevent 需要 monkey.patch_all()，让套接字调用改为让出而不是阻塞。Node 什么都不需要：它的套接字从不阻塞，每条连接的处理函数都是由唯一的事件循环运行的回调或 async 函数。每条连接的开销是一个小对象和一个文件描述符，而不是一个线程栈。',
    },
    tryNext: {
      en: 'Set connections=2000: still one thread. Compare with threaded-tcp-server, where every connection costs a thread.',
      zh: '设置 connections=2000：仍然只有一个线程。与 threaded-tcp-server 对比，那里每条连接都要花一个线程。',
    },
  },
  presets: [
    { id: 'two-thousand', label: { en: '2000 connections', zh: '2000 条连接' }, params: { connections: 2000 } },
  ],
  questions: [
    {
      id: 'threads',
      kind: 'number',
      text: { en: 'The echo server holds 500 connections open at once. How many threads does it use?', zh: '回显服务器同时保持 500 个连接。它用了几个线程？' },
      min: 0,
      max: 100000,
      answerFrom: { metric: 'server.echo.threadsUsed' },
      tolerance: { absolute: 0 },
      why: {
        en: 'Each client gets a cheap coroutine, not a thread; whenever one would wait for its socket the loop runs another. One thread serves them all.',
        zh: '每个客户端分到的是一个轻量的协程而不是线程；谁要等套接字，事件循环就去运行别的。一个线程服务所有连接。',
      },
    },
    {
      id: 'at-once',
      kind: 'number',
      text: { en: 'At most how many connections are open at the same time?', zh: '同一时刻最多有多少个连接是打开的？' },
      min: 0,
      max: 100000,
      answerFrom: { metric: 'server.echo.maxConcurrentConnections' },
      tolerance: { relative: 0.05 },
      why: { en: 'The load generator opens all 500 and keeps them open; the one-threaded server holds them together.', zh: '负载生成器把 500 个连接全部打开并保持着；单线程的服务器同时持有它们。' },
    },
  ],
  spec: {
    version: 1,
    id: 'coroutine-echo-server',
    title: { en: '500 concurrent clients on one thread', zh: '一个线程上的 500 个并发客户端' },
    params: {
      connections: { type: 'integer', default: 500, min: 1, max: 5000, description: { en: 'concurrent client connections', zh: '并发客户端连接数' } },
    },
    servers: { echo: { protocol: 'tcp', model: 'event-loop', handler: { kind: 'echo' } } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'load', server: 'echo', connections: { param: 'connections' }, requests: { param: 'connections' }, messageBytes: 32, into: 'report' },
          { op: 'record', name: 'opened', value: { at: [ref('report'), 'connections'] } },
          { op: 'record', name: 'sent', value: { at: [ref('report'), 'sent'] } },
          { op: 'record', name: 'answered', value: { at: [ref('report'), 'answered'] } },
          { op: 'record', name: 'errors', value: { at: [ref('report'), 'errors'] } },
          { op: 'record', name: 'p99Ms', value: { at: [ref('report'), 'p99Ms'] } },
        ],
      },
    ],
    claims: [
      {
        id: 'all-served',
        text: { en: 'All connections were opened and every request was answered, without errors', zh: '所有连接都已打开，每个请求都得到应答，没有错误' },
        check: {
          all: [
            { compare: [{ record: 'opened' }, '==', { const: { param: 'connections' } }] },
            { compare: [{ record: 'answered' }, '==', { record: 'sent' }] },
            { compare: [{ record: 'answered' }, '>=', { const: { param: 'connections' } }] },
            { compare: [{ record: 'errors' }, '==', { const: 0 }] },
            { compare: [{ metric: 'server.echo.connectionsAccepted' }, '>=', { const: { param: 'connections' } }] },
          ],
        },
      },
      {
        id: 'all-at-once',
        text: { en: 'All the connections were open at the same time', zh: '所有连接是同时打开的' },
        check: { compare: [{ metric: 'server.echo.maxConcurrentConnections' }, '>=', { const: { param: 'connections' } }] },
      },
      {
        id: 'one-thread',
        text: { en: 'The server ran on one thread', zh: '服务器只在一个线程上运行' },
        check: { compare: [{ metric: 'server.echo.threadsUsed' }, '==', { const: 1 }] },
      },
    ],
  },
};
