import type { Lesson } from '../../model/lesson';
import type { AuthoredCond, AuthoredStep } from '../../model/spec-schema';

const childProgram: AuthoredStep[] = [
  { op: 'read', var: 'n', into: 'before' },
  { op: 'log', message: 'child: n is {n} when I start', values: { n: { ref: 'before' } } },
  { op: 'write', var: 'n', value: 0 },
  { op: 'read', var: 'n', into: 'after' },
  { op: 'record', name: 'childSaw', value: { ref: 'after' } },
  { op: 'log', message: 'child: I set n to 0 and now read {n}', values: { n: { ref: 'after' } } },
];

const isKind = (kind: string): AuthoredCond => ({ compare: [{ param: 'childKind' }, '==', kind] });

export const processIsolation: Lesson = {
  id: 'process-isolation',
  chapter: 'processes',
  title: { en: 'A child process writes to its own copy', zh: '子进程写的是自己的副本' },
  text: {
    teaches: {
      en: 'A process has its own memory. When a child starts, it gets the parent\'s variables as a copy, and every write it makes lands in that copy. The parent sets n to 100, a child sets n to 0 and reads back 0, and after the child has ended the parent still reads 100. To pass data between processes you have to send it on purpose: a queue, a pipe, a manager.',
      zh: '每个进程都有自己的内存。子进程启动时拿到的是父进程变量的一份副本，它的所有写入都落在这份副本上。父进程把 n 设为 100，子进程把 n 改成 0 并读回 0，子进程结束后父进程读到的仍然是 100。要在进程之间传递数据，必须专门去发送：队列、管道或管理器。',
    },
    watch: {
      en: 'The child lane writes n=0 and reads 0; the main lane reads n before and after the child and gets the same value both times. Set childKind=thread and watch the main lane read 0 instead.',
      zh: '子进程泳道写入 n=0 并读到 0；主泳道在子进程运行前后各读一次 n，两次的值相同。设置 childKind=thread，会看到主泳道读到的是 0。',
    },
    pythonVsNode: {
      en: 'With Python\'s "fork" start method (long the default on Linux) the child begins with a copy-on-write image of the parent\'s memory; with "spawn" or "forkserver" it starts a fresh interpreter. A Node child process always starts fresh and loads its code anew; the lab hands it a copy of the declared variables as they were when it was started. Either way the result is the same: two address spaces, no shared writes. A Node worker thread, by contrast, can really share memory (a SharedArrayBuffer), which is what childKind=thread shows.',
      zh: '使用 Python 的 "fork" 启动方式（长期以来是 Linux 上的默认方式）时，子进程从父进程内存的写时复制镜像开始运行；使用 "spawn" 或 "forkserver" 时，它启动一个全新的解释器。Node 子进程总是从空白开始、重新加载代码；实验室把声明的变量在启动那一刻的值复制一份交给它。无论哪种方式结果都一样：两个地址空间，写入互不可见。而 Node 的 worker 线程可以真正共享内存（SharedArrayBuffer），childKind=thread 展示的就是这一点。',
    },
    tryNext: {
      en: 'Set childKind=thread: the same program now runs in a worker thread that shares n with the main program, and the parent reads 0 after the join. Change initial to any other value: a child process still leaves it untouched.',
      zh: '设置 childKind=thread：同一段程序改在 worker 线程中运行，它与主程序共享 n，join 之后父进程读到 0。把 initial 改成其他值：子进程依然不会改动它。',
    },
  },
  presets: [
    { id: 'thread-child', label: { en: 'A thread instead of a process', zh: '改用线程' }, params: { childKind: 'thread' } },
    { id: 'other-initial', label: { en: 'Another initial value', zh: '换一个初始值' }, params: { initial: 42 } },
  ],
  questions: [
    {
      id: 'parent-reads',
      kind: 'number',
      text: {
        en: 'The parent sets n to 100; a child process sets n to 0 and ends. What does the parent read for n afterwards?',
        zh: '父进程把 n 设为 100；一个子进程把 n 改成 0 后结束。之后父进程读到的 n 是多少？',
      },
      min: -1000000,
      max: 1000000,
      answerFrom: { record: 'parentAfter' },
      tolerance: { absolute: 0 },
      why: {
        en: 'A child process writes into its own copy of the memory. The parent never sees that write: its n is still 100. (With childKind=thread it would read 0: threads share memory.)',
        zh: '子进程写的是自己那份内存副本，父进程看不到这次写入，它的 n 仍是 100。（若 childKind=thread，则会读到 0：线程共享内存。）',
      },
    },
    {
      id: 'child-reads',
      kind: 'choice',
      text: { en: 'Right after writing 0, what does the child itself read back?', zh: '子进程刚写入 0，紧接着自己读回来的是多少？' },
      choices: [
        { id: 'zero', text: { en: '0, its own write', zh: '0，就是它自己写的值' }, when: '==0' },
        { id: 'other', text: { en: 'Something else (the parent’s 100)', zh: '别的值（父进程的 100）' }, when: '!=0' },
      ],
      answerFrom: { record: 'childSaw' },
      why: { en: 'Inside its own copy the child sees its own write at once: isolation is between processes, not within one.', zh: '在自己的副本里，子进程立刻就能看到自己的写入：隔离发生在进程之间，而不是进程内部。' },
    },
  ],
  spec: {
    version: 1,
    id: 'process-isolation',
    title: { en: 'n=100 in the parent, n=0 in the child', zh: '父进程 n=100，子进程 n=0' },
    params: {
      initial: { type: 'integer', default: 100, min: 1, max: 1_000_000, description: { en: 'the value the parent sets before starting the child', zh: '父进程在启动子进程前设定的值' } },
      childKind: { type: 'choice', default: 'process', choices: ['process', 'thread'], description: { en: 'run the child as a process (own memory) or a thread (shared memory)', zh: '用子进程（独立内存）还是线程（共享内存）来运行这段程序' } },
    },
    shared: { n: { scope: 'shared', initial: { param: 'initial' }, description: { en: 'a global variable of the program', zh: '程序中的一个全局变量' } } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'read', var: 'n', into: 'before' },
          { op: 'record', name: 'parentBefore', value: { ref: 'before' } },
          {
            op: 'if',
            cond: isKind('process'),
            then: [{ op: 'spawn', actor: 'childProcess' }, { op: 'join', actor: 'childProcess' }],
            else: [{ op: 'spawn', actor: 'childThread' }, { op: 'join', actor: 'childThread' }],
          },
          { op: 'read', var: 'n', into: 'after' },
          { op: 'record', name: 'parentAfter', value: { ref: 'after' } },
          { op: 'log', message: 'parent: after the child ended, n is {n}', values: { n: { ref: 'after' } } },
        ],
      },
      { name: 'childProcess', kind: 'process', autostart: false, program: childProgram },
      { name: 'childThread', kind: 'thread', autostart: false, program: childProgram },
    ],
    claims: [
      {
        id: 'child-sees-its-write',
        text: { en: 'The child reads back the 0 it wrote', zh: '子进程（或线程）读回了自己写入的 0' },
        check: { compare: [{ record: 'childSaw' }, '==', { const: 0 }] },
      },
      {
        id: 'parent-unchanged',
        text: { en: 'A child process\'s write is invisible to the parent: n is still its initial value', zh: '子进程的写入对父进程不可见：n 仍是初始值' },
        when: isKind('process'),
        check: {
          all: [
            { compare: [{ record: 'parentAfter' }, '==', { const: { param: 'initial' } }] },
            { compare: [{ shared: 'n' }, '==', { const: { param: 'initial' } }] },
          ],
        },
      },
      {
        id: 'thread-shares',
        text: { en: 'A thread\'s write is seen by the parent: n is 0 after the join', zh: '线程的写入父进程看得到：join 之后 n 为 0' },
        when: isKind('thread'),
        check: { compare: [{ record: 'parentAfter' }, '==', { const: 0 }] },
      },
    ],
  },
};
