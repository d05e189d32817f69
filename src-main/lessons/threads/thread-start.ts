import type { Lesson } from '../../model/lesson';
import type { AuthoredCheck, AuthoredStep } from '../../model/spec-schema';

const threadProgram: AuthoredStep[] = [
  { op: 'mark', name: 'thread-begins' },
  { op: 'log', message: '{me} is running (thread {tid})', values: { me: { self: 'name' }, tid: { self: 'threadId' } } },
  { op: 'sleep', ms: { param: 'workMs' } },
  { op: 'log', message: '{me} is done', values: { me: { self: 'name' } } },
];

const threadFirst = (thread: string, mainMark: string): AuthoredCheck => ({
  before: [
    { event: { op: 'mark', name: 'thread-begins', actor: thread }, pick: 'first' },
    { event: { op: 'mark', name: mainMark, actor: 'main' }, pick: 'first' },
  ],
});

const mainFirst = (thread: string, mainMark: string): AuthoredCheck => ({
  before: [
    { event: { op: 'mark', name: mainMark, actor: 'main' }, pick: 'first' },
    { event: { op: 'mark', name: 'thread-begins', actor: thread }, pick: 'first' },
  ],
});

export const threadStart: Lesson = {
  id: 'thread-start',
  chapter: 'threads',
  title: { en: 'Starting a thread: main goes on', zh: '启动线程：主线程继续往下走' },
  text: {
    teaches: {
      en: 'A thread is a second line of execution inside the same process. Starting one hands it its work and returns; the starting code does not wait for the thread to do anything. Here main starts two threads and writes a mark right after each start. Both marks come before the first step of the thread they follow.',
      zh: '线程让同一个进程能同时做另一件事。启动线程就是把工作交给它然后返回；发起启动的代码不会等线程做任何事。这里主程序启动两个线程，每启动一个就立刻记一个标记。两个标记都出现在对应线程第一步之前。',
    },
    watch: {
      en: 'The marks "main-after-first" and "main-after-second" sit at the very start of the main lane; each thread lane opens tens of milliseconds later, once its worker has booted. The threads log their thread ids: different from each other and from main\'s.',
      zh: 'main-after-first 和 main-after-second 两个标记位于主泳道最开头；每条线程泳道要在几十毫秒后、worker 启动完成时才出现。线程会打印自己的线程 id：彼此不同，也与主线程不同。',
    },
    pythonVsNode: {
      en: 'Python spells a thread two ways, Thread(target=func) or a subclass with run(), and both are the same OS thread. In CPython, start() even waits until the new thread is running, so its first print often appears before main\'s next line. A Node worker thread is a separate JavaScript engine instance with its own event loop and module loading; it needs some 25 to 40 ms to boot, so main\'s next step always comes first on Node. Run it with --runtime cpython (or both): there the thread\'s first step comes first, and the lab checks each runtime\'s own order. The lab writes a thread\'s work as a program of steps, which covers both Python spellings.',
      zh: 'Python 有两种写法：Thread(target=函数) 或重写 run() 的子类，二者得到的是同一种操作系统线程。在 CPython 中，start() 甚至会等新线程开始运行才返回，所以线程的第一行输出常常出现在主线程下一行之前。Node 的 worker 线程是一个独立的 JavaScript 引擎实例，有自己的事件循环和模块加载，启动要 25 到 40 毫秒左右，所以在 Node 上主程序的下一步总是先出现。用 --runtime cpython（或 both）运行时，线程的第一步先出现，实验室分别检查每种运行时自己的顺序。实验室把线程的工作写成一段步骤程序，涵盖了 Python 的两种写法。',
    },
    tryNext: {
      en: 'Set workMs=0: the threads end right after they begin, and the marks of main still come first. Compare this lesson\'s gaps with those of process-start: a worker thread boots several times faster than a child process.',
      zh: '设置 workMs=0：线程一开始就结束，主程序的标记依然在前。把本课的时间间隔与 process-start 比较：worker 线程的启动比子进程快好几倍。',
    },
  },
  presets: [
    { id: 'no-work', label: { en: 'Threads with no work', zh: '线程不做工作' }, params: { workMs: 0 } },
  ],
  questions: [
    {
      id: 'main-or-thread',
      kind: 'choice',
      text: { en: 'Right after main starts a thread, which runs first: main\'s next step, or the thread\'s first step?', zh: 'main 刚启动一个线程，谁先运行：main 的下一步，还是线程的第一步？' },
      choices: [
        { id: 'yes', text: { en: 'Main\'s next step', zh: 'main 的下一步' }, when: '>=0.5' },
        { id: 'no', text: { en: 'The thread\'s first step', zh: '线程的第一步' }, when: '<0.5' },
      ],
      answerFrom: { claim: 'main-goes-on-first' },
      why: {
        en: 'On Node a worker thread needs tens of milliseconds to start its own JavaScript engine, so main is well ahead. (On CPython start() waits until the thread runs, and the thread usually goes first; this question is not scored there.)',
        zh: '在 Node 上，worker 线程要花几十毫秒启动自己的 JavaScript 引擎，所以 main 远远领先。（CPython 的 start() 会等到线程跑起来，通常是线程先走；那里这道题不计分。）',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'thread-start',
    title: { en: 'Two threads, main goes on', zh: '两个线程，主程序继续' },
    params: {
      workMs: { type: 'integer', default: 100, min: 0, max: 5000, description: { en: 'how long each thread works', zh: '每个线程工作的时长' } },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'spawn', actor: 'byTarget' },
          { op: 'mark', name: 'main-after-first' },
          { op: 'log', message: 'main: first thread started, I go on' },
          { op: 'spawn', actor: 'bySubclass' },
          { op: 'mark', name: 'main-after-second' },
          { op: 'log', message: 'main: second thread started, I go on' },
          { op: 'join', actor: 'byTarget' },
          { op: 'join', actor: 'bySubclass' },
        ],
      },
      { name: 'byTarget', kind: 'thread', autostart: false, program: threadProgram },
      { name: 'bySubclass', kind: 'thread', autostart: false, program: threadProgram },
    ],
    claims: [
      {
        id: 'main-goes-on-first',
        text: { en: 'After starting the first thread, main\'s next step comes before the thread\'s first step', zh: '启动第一个线程后，主程序的下一步先于该线程的第一步' },
        // Node's worker boots for tens of milliseconds; CPython's start() waits until the thread runs, and it goes first.
        requires: { runtime: 'node' },
        check: mainFirst('byTarget', 'main-after-first'),
      },
      {
        id: 'main-goes-on-second',
        text: { en: 'After starting the second thread, main\'s next step comes before the thread\'s first step', zh: '启动第二个线程后，主程序的下一步先于该线程的第一步' },
        requires: { runtime: 'node' },
        check: mainFirst('bySubclass', 'main-after-second'),
      },
      {
        id: 'thread-goes-first',
        text: {
          en: 'On CPython the started thread goes first: start() returns only once the thread runs, and its first step comes before main\'s next one',
          zh: '在 CPython 上被启动的线程先走：start() 要等线程运行起来才返回，线程的第一步先于主程序的下一步',
        },
        requires: { runtime: 'cpython' },
        check: { all: [threadFirst('byTarget', 'main-after-first'), threadFirst('bySubclass', 'main-after-second')] },
      },
      {
        id: 'same-process',
        text: { en: 'Both threads run inside the runner\'s process', zh: '两个线程都运行在运行器的进程里' },
        check: {
          all: [
            { compare: [{ actor: 'byTarget', field: 'pid' }, '==', { runner: 'pid' }] },
            { compare: [{ actor: 'bySubclass', field: 'pid' }, '==', { runner: 'pid' }] },
          ],
        },
      },
    ],
  },
};
