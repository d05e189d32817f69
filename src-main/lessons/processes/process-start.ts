import type { Lesson } from '../../model/lesson';
import type { AuthoredCheck, AuthoredStep } from '../../model/spec-schema';

/** A child's program: its first step is a mark, so "the child's first step" has a time on the timeline. */
const childProgram: AuthoredStep[] = [
  { op: 'mark', name: 'child-begins' },
  { op: 'log', message: '{me} runs as pid {pid}, child of {ppid}', values: { me: { self: 'name' }, pid: { self: 'pid' }, ppid: { self: 'ppid' } } },
  { op: 'sleep', ms: { param: 'childWorkMs' } },
  { op: 'log', message: '{me} is done', values: { me: { self: 'name' } } },
  { op: 'mark', name: 'child-ends' },
];

const parentGoesOnFirst = (child: string, parentMark: string): AuthoredCheck => ({
  before: [
    { event: { op: 'mark', name: parentMark, actor: 'main' }, pick: 'first' },
    { event: { op: 'mark', name: 'child-begins', actor: child }, pick: 'first' },
  ],
});

/** start() returns without waiting for the child's program: the parent's next step comes before the child's last. */
const parentDoesNotWait = (child: string, parentMark: string): AuthoredCheck => ({
  before: [
    { event: { op: 'mark', name: parentMark, actor: 'main' }, pick: 'first' },
    { event: { op: 'mark', name: 'child-ends', actor: child }, pick: 'first' },
  ],
});

export const processStart: Lesson = {
  id: 'process-start',
  chapter: 'processes',
  title: { en: 'Starting a process: the parent does not wait', zh: '启动进程：父进程不会停下来等' },
  text: {
    teaches: {
      en: 'Starting a child process only asks the operating system for a new process; the call returns before the child has run a single step. The parent keeps going with its own work while the child boots. Here the parent starts two children by two different mechanisms and writes a mark right after each start: both marks land on the timeline before the child they follow has begun.',
      zh: '启动子进程只是请操作系统创建一个新进程，调用在子进程执行任何一步之前就返回了。子进程启动的同时，父进程继续做自己的事。这里父进程用两种不同的机制启动两个子进程，每启动一个就立刻记一个标记：在时间线上，两个标记都出现在对应子进程开始之前。',
    },
    watch: {
      en: 'The main lane shows "parent-after-fork" and "parent-after-utility" within a millisecond of each other; the two child lanes only appear tens of milliseconds later, when a fresh Node process has loaded and reaches its first step. Each child logs its own pid and its parent pid (the runner).',
      zh: '主泳道上的 parent-after-fork 和 parent-after-utility 两个标记相隔不到一毫秒；两条子进程泳道要等几十毫秒后才出现——那是一个全新的 Node 进程完成加载、执行到第一步所用的时间。每个子进程都会打印自己的 pid 和父进程（运行器）的 pid。',
    },
    pythonVsNode: {
      en: 'Python offers two spellings, Process(target=func) and a subclass that overrides run(); both produce the same kind of process. Node cannot hand a function to a new process at all: a child always starts a module file from its top. The lab therefore shows two real Node mechanisms: child_process.fork, and Electron\'s utilityProcess, which the desktop app uses for the second child (outside the app it is forked too, and the run records that substitution). A Node child also costs more to start than a forked CPython child, roughly 70 to 120 ms here, because it boots a whole JavaScript engine: on Node the parent\'s next step always comes before the child\'s first, while a CPython child forked from the interpreter is ready at once and runs beside the parent on another core, so which comes first is a race (only that start() does not wait for the child\'s program holds on both).',
      zh: 'Python 有两种写法：Process(target=函数) 和重写 run() 的子类，二者创建的是同一种进程。Node 根本无法把一个函数交给新进程执行：子进程总是从一个模块文件的开头运行。所以实验室展示的是 Node 中两种真实的机制：child_process.fork，以及 Electron 的 utilityProcess（桌面应用中第二个子进程用它启动；在应用之外同样用 fork 代替，并在运行记录里注明这一替换）。Node 子进程的启动也比 CPython fork 出的子进程贵，在这里大约 70 到 120 毫秒，因为它要启动一整个 JavaScript 引擎：在 Node 上父进程的下一步总是先于子进程的第一步；而从解释器 fork 出的 CPython 子进程立刻就绪，在另一个核心上与父进程同时运行，谁先谁后是一场竞争（两边都成立的只是：start() 不会等子进程的程序跑完）。',
    },
    tryNext: {
      en: 'Set childWorkMs=0: the children end almost as soon as they begin, yet the parent\'s marks still come first, because the order comes from start-up cost, not from the work. Run it several times and compare the gap between a parent mark and its child\'s first step: that gap is the start-up cost of a process on your machine.',
      zh: '把 childWorkMs 设为 0：子进程一开始几乎就结束了，但父进程的标记仍然在前，因为顺序取决于启动开销，而不是工作量。多运行几次，比较父进程标记与对应子进程第一步之间的间隔：这就是你机器上启动一个进程的开销。',
    },
  },
  presets: [
    { id: 'no-work', label: { en: 'Children with no work', zh: '子进程不做工作' }, params: { childWorkMs: 0 } },
  ],
  questions: [
    {
      id: 'parent-or-child',
      kind: 'choice',
      text: {
        en: 'Right after the parent starts a child process, what happens first: the parent\'s next line, or the child\'s first step?',
        zh: '父进程刚启动一个子进程，接下来先发生的是什么：父进程的下一行代码，还是子进程的第一步？',
      },
      choices: [
        { id: 'yes', text: { en: 'The parent\'s next line', zh: '父进程的下一行' }, when: '>=0.5' },
        { id: 'no', text: { en: 'The child\'s first step', zh: '子进程的第一步' }, when: '<0.5' },
      ],
      answerFrom: { claim: 'parent-goes-on-fork' },
      why: {
        en: 'start() only asks the operating system for a new process and returns. The child still has to boot a whole runtime before its first step, so the parent is already on its next line by then.',
        zh: 'start() 只是请操作系统创建一个新进程，然后立刻返回。子进程还要先启动一整套运行时才能执行第一步，那时父进程早已走到下一行了。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'process-start',
    title: { en: 'Two children, two start mechanisms', zh: '两个子进程，两种启动机制' },
    params: {
      childWorkMs: { type: 'integer', default: 200, min: 0, max: 5000, description: { en: 'how long each child works before it ends', zh: '每个子进程结束前工作的时长' } },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'log', message: 'parent: starting a child with fork' },
          { op: 'spawn', actor: 'forked' },
          { op: 'mark', name: 'parent-after-fork' },
          { op: 'log', message: 'parent: starting a child as a utility process' },
          { op: 'spawn', actor: 'utility' },
          { op: 'mark', name: 'parent-after-utility' },
          { op: 'log', message: 'parent: both started, now waiting for them' },
          { op: 'join', actor: 'forked' },
          { op: 'join', actor: 'utility' },
          { op: 'log', message: 'parent: both children have ended' },
        ],
      },
      { name: 'forked', kind: 'process', autostart: false, program: childProgram },
      { name: 'utility', kind: 'utility', autostart: false, program: childProgram },
    ],
    claims: [
      {
        id: 'start-does-not-wait',
        text: { en: 'start() does not wait for the child\'s program: after each start, the parent\'s next step comes before that child\'s last step', zh: 'start() 不会等子进程的程序跑完：每次启动后，父进程的下一步都先于该子进程的最后一步' },
        // With a child that works a while; a child with no work may end while the parent is still returning from start().
        when: { compare: [{ param: 'childWorkMs' }, '>=', 100] },
        check: { all: [parentDoesNotWait('forked', 'parent-after-fork'), parentDoesNotWait('utility', 'parent-after-utility')] },
      },
      {
        id: 'parent-goes-on-fork',
        text: { en: 'After starting the forked child, the parent\'s next step comes before the child\'s first step', zh: '启动 fork 子进程后，父进程的下一步先于子进程的第一步' },
        // A Node child boots a whole engine first. A CPython child forked from the interpreter is ready at once,
        // and on two cores it and the parent run at the same time: which step comes first is a race there.
        requires: { runtime: 'node' },
        check: parentGoesOnFirst('forked', 'parent-after-fork'),
      },
      {
        id: 'parent-goes-on-module',
        text: { en: 'After starting the utility-process child, the parent\'s next step comes before the child\'s first step', zh: '启动 utility 子进程后，父进程的下一步先于子进程的第一步' },
        requires: { runtime: 'node' },
        check: parentGoesOnFirst('utility', 'parent-after-utility'),
      },
      {
        id: 'children-are-processes',
        text: { en: 'Both children are processes of their own, whose parent is the runner', zh: '两个子进程都是独立的进程，父进程是运行器' },
        check: {
          all: [
            { compare: [{ actor: 'forked', field: 'ppid' }, '==', { runner: 'pid' }] },
            { compare: [{ actor: 'utility', field: 'ppid' }, '==', { runner: 'pid' }] },
            { compare: [{ actor: 'forked', field: 'pid' }, '!=', { actor: 'utility', field: 'pid' }] },
          ],
        },
      },
    ],
  },
};
