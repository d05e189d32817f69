import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

export const threadIntrospection: Lesson = {
  id: 'thread-introspection',
  chapter: 'threads',
  title: { en: 'Who is running? Names, counts and is_alive', zh: '谁在运行？名字、数量与 is_alive' },
  text: {
    teaches: {
      en: 'A program can ask about its own threads: how many are alive, what they are called, whether one of them is still running, and which one is asking. Here three named worker threads wait on an event; the main program lists the live threads, checks one of them, releases them, joins them, and lists again.',
      zh: '程序可以查询自己的线程：有多少个仍在运行、它们叫什么、某一个是否仍在运行、以及提问的是哪一个。这里三个有名字的工作线程在一个事件上等待；主程序列出存活的线程，检查其中一个，放行它们，join 之后再列一次。',
    },
    watch: {
      en: 'The records liveBefore and liveAfter: four live actors (main and three workers) while they wait, only main afterwards. Each worker records its own name from inside.',
      zh: '看记录 liveBefore 和 liveAfter：等待期间有四个存活的参与者（main 和三个工作线程），之后只剩 main。每个工作线程在内部记录自己的名字。',
    },
    pythonVsNode: {
      en: 'Python has threading.active_count(), enumerate(), current_thread() and is_alive(). Node has no registry of worker threads; the lab\'s runner keeps the actor table and answers from it, and a worker learns its own name and threadId from the runner when it starts.',
      zh: 'Python 有 threading.active_count()、enumerate()、current_thread() 和 is_alive()。Node 没有 worker 线程的登记表；实验室的运行器维护一张参与者表并据此回答，工作线程启动时从运行器得知自己的名字和 threadId。',
    },
    tryNext: {
      en: 'Set workers=6: liveBefore becomes 7, the workers plus main, and each new worker appears in the table with its own name.',
      zh: '设置 workers=6：liveBefore 变成 7（六个工作线程加上 main），每个新的工作线程都以自己的名字出现在表中。',
    },
  },
  presets: [
    { id: 'six-workers', label: { en: 'Six workers', zh: '六个工作线程' }, params: { workers: 6 } },
  ],
  questions: [
    {
      id: 'live-before',
      kind: 'number',
      text: {
        en: 'Three worker threads are waiting on an event. How many threads does threading.active_count() report?',
        zh: '三个工作线程正在等一个事件。threading.active_count() 报告有几个线程？',
      },
      min: 0,
      max: 1000,
      answerFrom: { record: 'liveBefore' },
      tolerance: { absolute: 0 },
      why: { en: 'The main thread counts too: 3 workers + main = 4.', zh: '主线程也算在内：3 个工作线程 + 主线程 = 4。' },
    },
    {
      id: 'live-after',
      kind: 'number',
      text: { en: 'After the workers are released and joined, how many?', zh: '工作线程被放行并 join 之后呢？' },
      min: 0,
      max: 1000,
      answerFrom: { record: 'liveAfter' },
      tolerance: { absolute: 0 },
      why: { en: 'A joined thread has ended: only main is left, 1.', zh: '被 join 的线程已经结束：只剩主线程，1 个。' },
    },
  ],
  spec: {
    version: 1,
    id: 'thread-introspection',
    title: { en: 'Threads that report themselves', zh: '报告自己的线程' },
    params: { workers: { type: 'integer', default: 3, min: 1, max: 20 } },
    primitives: { go: { type: 'event' } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'spawn', actor: 'worker' },
          { op: 'list_actors', into: 'live' },
          { op: 'record', name: 'liveBefore', value: { len: ref('live') } },
          { op: 'list_actors', group: 'worker', into: 'workers' },
          { op: 'record', name: 'workerNames', value: { text: ref('workers') } },
          { op: 'is_alive', actor: 'worker', index: 0, into: 'alive' },
          { op: 'record', name: 'firstAliveBefore', value: ref('alive') },
          { op: 'set', prim: 'go' },
          { op: 'join', actor: 'worker' },
          { op: 'is_alive', actor: 'worker', index: 0, into: 'alive' },
          { op: 'record', name: 'firstAliveAfter', value: ref('alive') },
          { op: 'list_actors', into: 'live' },
          { op: 'record', name: 'liveAfter', value: { len: ref('live') } },
          { op: 'record', name: 'mainName', value: { self: 'name' } },
        ],
      },
      {
        name: 'worker',
        kind: 'thread',
        count: { param: 'workers' },
        autostart: false,
        program: [
          { op: 'record', name: 'selfName', value: { self: 'name' } },
          { op: 'wait', prim: 'go' },
        ],
      },
    ],
    claims: [
      {
        id: 'counts',
        text: { en: 'The live count is main plus the workers while they wait, and main alone after they are joined', zh: '等待期间存活数是 main 加上工作线程，join 之后只剩 main' },
        check: {
          all: [
            { compare: [{ record: 'liveBefore' }, '==', { const: { param: 'workers' } }], plus: 1 },
            { compare: [{ record: 'liveAfter' }, '==', { const: 1 }] },
          ],
        },
      },
      {
        id: 'names',
        text: { en: 'The names match the actor table, and each worker knows its own name', zh: '名字与参与者表一致，每个工作线程都知道自己的名字' },
        check: {
          all: [
            { compare: [{ record: 'selfName', agg: 'distinct' }, '==', { const: { param: 'workers' } }] },
            { compare: [{ actors: 'worker', field: 'exit', agg: 'count' }, '==', { const: { param: 'workers' } }] },
            { compare: [{ record: 'mainName' }, '==', { const: 'main' }] },
          ],
        },
      },
      {
        id: 'is-alive',
        text: { en: 'is_alive is true while a worker waits and false once it has been joined', zh: '工作线程等待时 is_alive 为真，join 之后为假' },
        check: { all: [{ compare: [{ record: 'firstAliveBefore' }, '==', { const: true }] }, { compare: [{ record: 'firstAliveAfter' }, '==', { const: false }] }] },
      },
    ],
  },
};
