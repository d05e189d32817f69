import type { Lesson } from '../../model/lesson';
import type { AuthoredCond, AuthoredStep } from '../../model/spec-schema';

const childProgram: AuthoredStep[] = [
  { op: 'write', var: 'n', value: 1 },
  { op: 'log', message: '{me}: I set n to 1', values: { me: { self: 'name' } } },
];
const isKind = (kind: string): AuthoredCond => ({ compare: [{ param: 'childKind' }, '==', kind] });
const joined: AuthoredCond = { truthy: { param: 'joinFirst' } };

export const threadSharedMemory: Lesson = {
  id: 'thread-shared-memory',
  chapter: 'threads',
  title: { en: 'Threads share the program\'s memory', zh: '线程共享程序的内存' },
  text: {
    teaches: {
      en: 'Threads of one program see the same variables. Main sets n to 99, a thread sets it to 1, and once the thread has finished main reads 1: there was only ever one n. This is what makes threads convenient, and also what makes them dangerous: every shared variable can be changed under your feet (see race-counter).',
      zh: '同一程序中的线程看到的是同一组变量。主程序把 n 设为 99，线程把它改成 1，线程结束后主程序读到 1：自始至终只有一个 n。这正是线程方便的地方，也是它危险的地方：每个共享变量都可能在你不注意时被改掉（见 race-counter）。',
    },
    watch: {
      en: 'The thread lane writes n=1; the main lane joins it and then reads 1. The final value of n shown with the results is 1 as well. With childKind=process, the child writes into its own copy and main reads 99.',
      zh: '线程泳道写入 n=1；主泳道 join 它之后读到 1。结果中显示的 n 的最终值也是 1。设置 childKind=process 时，子进程写的是自己的副本，主程序读到 99。',
    },
    pythonVsNode: {
      en: 'Python threads share every object of the interpreter. Node worker threads share nothing by default: each has its own heap, and only memory created as a SharedArrayBuffer is really shared. The lab keeps its shared variables in such a buffer, so here the sharing is real, word for word. Note also the join: a Python program that reads n right after start() usually sees 1, because CPython\'s start() returns once the thread is running, whereas a Node worker needs tens of milliseconds to boot, so reading without waiting would see 99.',
      zh: 'Python 线程共享解释器中的所有对象。Node 的 worker 线程默认什么都不共享：每个都有自己的堆，只有以 SharedArrayBuffer 创建的内存才真正共享。实验室把共享变量放在这样的缓冲区里，所以这里的共享是实实在在的：各线程读写的是同一块内存。还要注意 join：Python 程序在 start() 之后立刻读取 n，通常能看到 1，因为 CPython 的 start() 要等线程开始运行才返回；而 Node 的 worker 需要几十毫秒启动，不等待就读取会看到 99。',
    },
    tryNext: {
      en: 'Set joinFirst=false: main reads n right after starting the thread and almost always gets 99, because the worker has not booted yet; the record readNow shows it. Set childKind=process: the child\'s write never reaches main, whatever the timing.',
      zh: '设置 joinFirst=false：主程序在启动线程后立即读取 n，几乎总是得到 99，因为 worker 还没启动完；记录 readNow 会显示这个值。设置 childKind=process：无论时机如何，子进程的写入都到不了主程序。',
    },
  },
  presets: [
    { id: 'read-without-join', label: { en: 'Read before the join', zh: '不等 join 就读取' }, params: { joinFirst: false } },
    { id: 'process-child', label: { en: 'A process instead of a thread', zh: '改用进程' }, params: { childKind: 'process' } },
  ],
  questions: [
    {
      id: 'main-reads',
      kind: 'number',
      text: {
        en: 'Main sets n to 99, a thread sets n to 1, main joins the thread. What does main read for n?',
        zh: 'main 把 n 设为 99，一个线程把 n 改成 1，main 再 join 这个线程。main 读到的 n 是多少？',
      },
      min: -1000000,
      max: 1000000,
      answerFrom: { record: 'mainReads' },
      tolerance: { absolute: 0 },
      why: {
        en: 'Threads share the program’s memory: there is only one n, and after the join it holds the thread’s 1. (With childKind=process main would still read 99.)',
        zh: '线程共享程序的内存：n 只有一个，join 之后它就是线程写入的 1。（若 childKind=process，main 读到的仍是 99。）',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'thread-shared-memory',
    title: { en: 'n=99, a thread sets 1', zh: 'n=99，线程把它设为 1' },
    params: {
      childKind: { type: 'choice', default: 'thread', choices: ['thread', 'process'], description: { en: 'run the writer as a thread or as a process', zh: '写入者以线程还是进程运行' } },
      joinFirst: { type: 'boolean', default: true, description: { en: 'join the writer before reading n', zh: '读取 n 之前先 join 写入者' } },
    },
    shared: { n: { scope: 'shared', initial: 99 } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'if', cond: isKind('thread'), then: [{ op: 'spawn', actor: 'writerThread' }], else: [{ op: 'spawn', actor: 'writerProcess' }] },
          {
            op: 'if',
            cond: { not: joined },
            then: [
              { op: 'read', var: 'n', into: 'now' },
              { op: 'record', name: 'readNow', value: { ref: 'now' } },
              { op: 'log', message: 'main: right after start, n is {n}', values: { n: { ref: 'now' } } },
            ],
          },
          { op: 'if', cond: isKind('thread'), then: [{ op: 'join', actor: 'writerThread' }], else: [{ op: 'join', actor: 'writerProcess' }] },
          { op: 'read', var: 'n', into: 'after' },
          { op: 'record', name: 'mainReads', value: { ref: 'after' } },
          { op: 'log', message: 'main: after the join, n is {n}', values: { n: { ref: 'after' } } },
        ],
      },
      { name: 'writerThread', kind: 'thread', autostart: false, program: childProgram },
      { name: 'writerProcess', kind: 'process', autostart: false, program: childProgram },
    ],
    claims: [
      {
        id: 'main-sees-thread-write',
        text: { en: 'After the thread has run, main reads the 1 it wrote', zh: '线程运行之后，主程序读到它写入的 1' },
        when: isKind('thread'),
        check: {
          all: [
            { compare: [{ record: 'mainReads' }, '==', { const: 1 }] },
            { compare: [{ shared: 'n' }, '==', { const: 1 }] },
          ],
        },
      },
      {
        id: 'process-write-stays-private',
        text: { en: 'A process\'s write stays in its own copy: main still reads 99', zh: '进程的写入留在它自己的副本中：主程序仍读到 99' },
        when: isKind('process'),
        check: { compare: [{ record: 'mainReads' }, '==', { const: 99 }] },
      },
    ],
  },
};
