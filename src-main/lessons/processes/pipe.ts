import type { Lesson } from '../../model/lesson';
import type { AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
const inc = (name: string): AuthoredStep => ({ op: 'let', name, value: { add: [ref(name), 1] } });

/**
 * Main receives until the stream ends: one receive more than the producer sends, so that the last one
 * meets the end (EOF) or, when main kept its own copy of the sending end, waits out its timeout.
 * `ordered` counts messages that came as the next number expected.
 */
const receiveOne: AuthoredStep[] = [
  { op: 'pipe_recv', pipe: 'stream', end: 0, into: 'msg', status: 'status', timeoutMs: { param: 'waitMs' } },
  { op: 'if', cond: { all: [{ compare: [ref('status'), '==', 'message'] }, { compare: [ref('msg'), '==', ref('next')] }] }, then: [inc('ordered')] },
  { op: 'if', cond: { compare: [ref('status'), '==', 'message'] }, then: [inc('next')] },
];
const receiveAll: AuthoredStep[] = [
  { op: 'let', name: 'next', value: 1 },
  { op: 'let', name: 'ordered', value: 0 },
  { op: 'repeat', times: { param: 'messages' }, steps: receiveOne },
  ...receiveOne,
  { op: 'record', name: 'ordered', value: ref('ordered') },
  { op: 'record', name: 'lastStatus', value: ref('status') },
];

/** Main asks, the echoer answers on the same (duplex) pipe: ten times a question. */
const converse: AuthoredStep[] = [
  { op: 'let', name: 'i', value: 1 },
  { op: 'let', name: 'answered', value: 0 },
  {
    op: 'repeat',
    times: { param: 'messages' },
    steps: [
      { op: 'pipe_send', pipe: 'chat', end: 0, value: ref('i') },
      { op: 'pipe_recv', pipe: 'chat', end: 0, into: 'answer', timeoutMs: 10_000 },
      { op: 'if', cond: { compare: [ref('answer'), '==', { mul: [ref('i'), 10] }] }, then: [inc('answered')] },
      inc('i'),
    ],
  },
  { op: 'pipe_send', pipe: 'chat', end: 0, value: 'bye' },
  { op: 'join', actor: 'echoer' },
  { op: 'record', name: 'answered', value: ref('answered') },
];

export const pipe: Lesson = {
  id: 'pipe',
  chapter: 'processes',
  title: { en: 'multiprocessing.Pipe: two ends, duplex or one-way', zh: 'multiprocessing.Pipe：两端，双向或单向' },
  text: {
    teaches: {
      zh: 'Pipe() 返回一对连接对象，即管道的两端。默认是双向的（duplex）：两端都能 send 和 recv；Pipe(duplex=False) 是单向的：第一端只能收，第二端只能发。消息按发送的顺序完整到达。一个进程 fork 出子进程时，子进程得到两端的副本；只有当“发送端”的所有副本都关闭了，接收方的 recv 才会得到 EOF（EOFError）。所以父进程在把发送端交给子进程之后，要关掉自己手里那一份，否则接收方永远等不到结束。',
      en: 'Pipe() returns a pair of connection objects, the two ends of a pipe. By default it is duplex: both ends send and receive; Pipe(duplex=False) is one-way: the first end only receives, the second only sends. Messages arrive whole and in the order they were sent. When a process forks a child, the child gets copies of both ends; a receiver\'s recv meets the end (EOFError) only once every copy of the sending end is closed. So a parent that hands the sending end to a child must close its own copy, or the receiver never sees the end.',
    },
    watch: {
      zh: '第一部分：单向管道 stream。producer 进程从端 1 发送 1 到 messages，然后关闭自己的端 1；主程序启动 producer 之后关闭自己那份端 1（closeUnused），再从端 0 一直收，比发送的多收一次。ordered 是按顺序到达的消息数，lastStatus 是最后一次接收的结果：eof 表示发送端的所有副本都已关闭。把 closeUnused 设为 false，主程序仍握着一份发送端，最后一次接收只能等到超时（timeout）。第二部分：双向管道 chat。主程序在端 0 发一个数，echoer 进程在端 1 收到后回复它的十倍；answered 是答对的次数。',
      en: 'Part one: the one-way pipe stream. The producer process sends 1 to messages from end 1, then closes its end 1; main, after starting the producer, closes its own copy of end 1 (closeUnused) and receives at end 0, once more than was sent. ordered counts messages that arrived in order, and lastStatus is what the last receive got: eof means every copy of the sending end is closed. With closeUnused=false main still holds a copy of the sending end, and the last receive can only wait out its timeout. Part two: the duplex pipe chat. Main sends a number from end 0, the echoer process receives it at end 1 and answers ten times it; answered counts the right answers.',
    },
    pythonVsNode: {
      zh: '这一课只在 CPython 上运行：pipes 和 pipe_* 步骤是 CPython 独有的，Node 引擎在开始之前就会拒绝。Node 里最接近的是 child_process.fork 的 IPC 通道（process.send / on("message")），它总是双向的，由 Node 在父子之间维护，没有“关闭自己那份副本”这回事；worker 线程则有 MessageChannel 的两个端口。',
      en: 'This lesson runs on CPython only: pipes and the pipe_* steps are CPython\'s, and the Node engine refuses them before anything starts. The nearest thing in Node is the IPC channel of child_process.fork (process.send / on("message")): always duplex, kept by Node between parent and child, with no copies of ends to close; worker threads have the two ports of a MessageChannel.',
    },
    tryNext: {
      zh: '设置 closeUnused=false：lastStatus 变成 timeout，接收方等不到 EOF。把 waitMs 调大，等待也随之变长——真实程序里这就是一个永远挂着的进程。设置 messages=100：顺序依旧。',
      en: 'Set closeUnused=false: lastStatus becomes timeout, the receiver never meets the end. Raise waitMs and the wait grows with it: in a real program, a process hanging forever. Set messages=100: the order holds.',
    },
  },
  presets: [
    { id: 'keep-unused-ends', label: { en: 'Keep the unused ends open', zh: '不关闭用不到的一端' }, params: { closeUnused: false } },
    { id: 'longer-wait', label: { en: 'Wait longer', zh: '等得更久' }, params: { closeUnused: false, waitMs: 2000 } },
    { id: 'hundred-messages', label: { en: '100 messages', zh: '100 条消息' }, params: { messages: 100 } },
  ],
  questions: [
    {
      id: 'in-order',
      kind: 'number',
      text: { en: '10 messages go through a one-way pipe. How many arrive, in the order they were sent?', zh: '10 条消息经过一根单向管道。有几条按发送顺序到达？' },
      min: 0,
      max: 100000,
      answerFrom: { record: 'ordered' },
      tolerance: { absolute: 0 },
      why: { en: 'A pipe delivers whole messages in order: all 10.', zh: '管道按顺序递送完整的消息：10 条全部到达。' },
    },
    {
      id: 'last-receive',
      kind: 'choice',
      text: {
        en: 'The sender is done and every copy of the sending end is closed. What does the receiver\'s next recv() get?',
        zh: '发送方已经发完，发送端的所有副本也都关闭了。接收方的下一次 recv() 得到什么？',
      },
      choices: [
        { id: 'eof', text: { en: 'EOFError: the end of the pipe', zh: 'EOFError：管道到头了' }, is: 'eof' },
        { id: 'timeout', text: { en: 'Nothing: it waits until its timeout', zh: '什么也没有：一直等到超时' }, is: 'timeout' },
      ],
      answerFrom: { record: 'lastStatus' },
      why: {
        en: 'The receiver meets the end only once every copy of the sending end is closed, including the one a forked child inherits. With closeUnused=false main keeps its copy and the receive times out instead.',
        zh: '只有发送端的所有副本都关闭了（包括 fork 出的子进程继承的那份），接收方才会读到结尾。若 closeUnused=false，main 留着自己的那份，接收就会超时。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'pipe',
    title: { en: 'A one-way stream until EOF, and a duplex conversation', zh: '单向流直到 EOF，双向对话' },
    params: {
      messages: { type: 'integer', default: 10, min: 1, max: 1_000, description: { en: 'messages through each pipe', zh: '每个管道传递的消息数' } },
      closeUnused: { type: 'boolean', default: true, description: { en: "main closes its copy of the stream's sending end", zh: '主程序关闭自己那份发送端' } },
      waitMs: { type: 'integer', default: 500, min: 50, max: 10_000, description: { en: 'how long one receive waits', zh: '一次接收最多等待多久' } },
    },
    pipes: { stream: { duplex: false }, chat: {} },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'mark', name: 'stream' },
          { op: 'spawn', actor: 'producer' },
          { op: 'if', cond: { truthy: { param: 'closeUnused' } }, then: [{ op: 'pipe_close', pipe: 'stream', end: 1 }] },
          ...receiveAll,
          { op: 'join', actor: 'producer' },
          { op: 'mark', name: 'chat' },
          { op: 'spawn', actor: 'echoer' },
          ...converse,
        ],
      },
      {
        name: 'producer',
        kind: 'process',
        autostart: false,
        program: [
          { op: 'let', name: 'i', value: 1 },
          { op: 'repeat', times: { param: 'messages' }, steps: [{ op: 'pipe_send', pipe: 'stream', end: 1, value: ref('i') }, inc('i')] },
          { op: 'pipe_close', pipe: 'stream', end: 1 },
        ],
      },
      {
        name: 'echoer',
        kind: 'process',
        autostart: false,
        program: [
          {
            op: 'repeat',
            times: { param: 'messages' },
            steps: [
              { op: 'pipe_recv', pipe: 'chat', end: 1, into: 'question', timeoutMs: 10_000 },
              { op: 'pipe_send', pipe: 'chat', end: 1, value: { mul: [ref('question'), 10] } },
            ],
          },
          { op: 'pipe_recv', pipe: 'chat', end: 1, into: 'last', timeoutMs: 10_000 },
          { op: 'record', name: 'farewell', value: ref('last') },
        ],
      },
    ],
    claims: [
      {
        id: 'in-order',
        text: { en: 'Every message through the one-way pipe arrives, in the order it was sent', zh: '单向管道里的每条消息都按发送顺序到达' },
        check: { compare: [{ record: 'ordered' }, '==', { const: { param: 'messages' } }] },
      },
      {
        id: 'eof-when-closed',
        text: { en: 'Once every copy of the sending end is closed, the receiver meets the end (EOF)', zh: '发送端的所有副本都关闭后，接收方收到 EOF' },
        when: { truthy: { param: 'closeUnused' } },
        check: { compare: [{ record: 'lastStatus' }, '==', { const: 'eof' }] },
      },
      {
        id: 'no-eof-while-open',
        text: { en: "While main keeps its own copy of the sending end, no EOF comes: the last receive times out", zh: '主程序还握着一份发送端时，EOF 不会到来：最后一次接收超时' },
        when: { not: { truthy: { param: 'closeUnused' } } },
        check: { compare: [{ record: 'lastStatus' }, '==', { const: 'timeout' }] },
      },
      {
        id: 'duplex-both-ways',
        text: { en: 'A duplex pipe carries both ways: every question gets its answer, and the last word arrives', zh: '双向管道两个方向都能传：每个问题都得到回答，最后一句也送到了' },
        check: { all: [{ compare: [{ record: 'answered' }, '==', { const: { param: 'messages' } }] }, { compare: [{ record: 'farewell' }, '==', { const: 'bye' }] }] },
      },
    ],
  },
};
