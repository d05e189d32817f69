import type { Lesson } from '../../model/lesson';
import type { AuthoredStep } from '../../model/spec-schema';

const reportSelf: AuthoredStep[] = [
  { op: 'record', name: 'pid', value: { self: 'pid' } },
  { op: 'record', name: 'threadId', value: { self: 'threadId' } },
  { op: 'log', message: '{me}: pid {pid}, thread {tid}, parent pid {ppid}', values: { me: { self: 'name' }, pid: { self: 'pid' }, tid: { self: 'threadId' }, ppid: { self: 'ppid' } } },
];

export const threadVsProcessIds: Lesson = {
  id: 'thread-vs-process-ids',
  chapter: 'threads',
  title: { en: 'Threads share a pid; processes each have one', zh: '线程共用一个 pid，进程各有各的' },
  text: {
    teaches: {
      en: 'A pid names a process, not a line of execution. Threads live inside a process, so every thread reports the same pid as the program that started them, and tells itself apart by a thread id. Child processes are new processes: each reports a pid of its own, and the runner\'s pid as its parent.',
      zh: 'pid 标识的是进程，而不是进程里的某个线程。线程属于它所在的进程，所以每个线程报告的 pid 都与启动它们的程序相同，彼此之间靠线程 id 区分。子进程是新的进程：每个都报告自己的 pid，父进程 pid 则是运行器的 pid。',
    },
    watch: {
      en: 'Compare the logs: the thread lanes print the runner\'s pid with different thread ids; the process lanes print different pids, each with thread id 0 (every process numbers its own threads, starting with its main thread at 0).',
      zh: '对比日志：线程泳道打印的都是运行器的 pid，线程 id 各不相同；进程泳道打印的 pid 各不相同，线程 id 都是 0（每个进程给自己的线程编号，主线程从 0 开始）。',
    },
    pythonVsNode: {
      en: 'Python\'s os.getpid() behaves the same way, and threading.get_ident() gives a per-thread number. Node\'s threadId numbers worker threads within one process, with the main thread as 0, so two processes both have a thread 0. Under Linux each worker is also a kernel thread with its own task id, which Node does not show.',
      zh: 'Python 的 os.getpid() 表现相同，threading.get_ident() 给出每个线程的编号。Node 的 threadId 在一个进程内为 worker 线程编号，主线程为 0，所以两个进程都各有一个 0 号线程。在 Linux 下，每个 worker 也是一个拥有自己任务 id 的内核线程，只是 Node 不显示它。',
    },
    tryNext: {
      en: 'Set threads=5 and processes=5: five distinct thread ids under one pid, five distinct pids under one parent. Run it twice: pids and thread ids change from run to run, which is why programs should not rely on them.',
      zh: '设置 threads=5、processes=5：一个 pid 下有五个不同的线程 id，一个父进程下有五个不同的 pid。运行两次：pid 和线程 id 每次都会变化，所以程序不应依赖它们的具体值。',
    },
  },
  presets: [
    { id: 'five-each', label: { en: 'Five of each', zh: '各五个' }, params: { threads: 5, processes: 5 } },
  ],
  questions: [
    {
      id: 'threads-pid',
      kind: 'choice',
      text: { en: 'Do the threads report the same pid as the program that started them?', zh: '这些线程报告的 pid 和启动它们的程序相同吗？' },
      choices: [{ id: 'yes', text: { en: 'Yes, the same pid', zh: '相同' }, when: '>=0.5' }, { id: 'no', text: { en: 'No, each has its own', zh: '不同，各有各的' }, when: '<0.5' }],
      answerFrom: { claim: 'threads-share-pid' },
      why: {
        en: 'A pid names a process. Threads live inside one process, so they all report its pid and tell themselves apart by thread ids.',
        zh: 'pid 标识的是进程。线程都在同一个进程里，所以报告的是同一个 pid，彼此用线程 id 区分。',
      },
    },
    {
      id: 'process-pids',
      kind: 'choice',
      text: { en: 'Do the child processes each get a pid of their own?', zh: '子进程各自有自己的 pid 吗？' },
      choices: [
        { id: 'yes', text: { en: 'Yes, each its own, with the runner as parent', zh: '有，各不相同，父进程都是 runner' }, when: '>=0.5' },
        { id: 'no', text: { en: 'No, they share the parent’s', zh: '没有，和父进程共用' }, when: '<0.5' },
      ],
      answerFrom: { claim: 'processes-own-pids' },
      why: { en: 'Each child process is a new process: a new pid, and the pid of the process that started it as its ppid.', zh: '每个子进程都是一个新进程：新的 pid，ppid 是启动它的那个进程的 pid。' },
    },
  ],
  spec: {
    version: 1,
    id: 'thread-vs-process-ids',
    title: { en: 'Two threads and two processes report who they are', zh: '两个线程和两个进程报告自己的身份' },
    params: {
      threads: { type: 'integer', default: 2, min: 1, max: 16 },
      processes: { type: 'integer', default: 2, min: 1, max: 8 },
    },
    actors: [
      { name: 'main', kind: 'main', program: [{ op: 'spawn', actor: 'thread' }, { op: 'spawn', actor: 'proc' }, ...reportSelf, { op: 'join', actor: 'thread' }, { op: 'join', actor: 'proc' }] },
      { name: 'thread', kind: 'thread', count: { param: 'threads' }, autostart: false, program: reportSelf },
      { name: 'proc', kind: 'process', count: { param: 'processes' }, autostart: false, program: reportSelf },
    ],
    claims: [
      {
        id: 'threads-share-pid',
        text: { en: 'Every thread has the runner\'s pid', zh: '每个线程的 pid 都是运行器的 pid' },
        check: {
          all: [
            { compare: [{ actors: 'thread', field: 'pid', agg: 'distinct' }, '==', { const: 1 }] },
            { compare: [{ actors: 'thread', field: 'pid', agg: 'first' }, '==', { runner: 'pid' }] },
            { compare: [{ record: 'pid', actor: 'thread', agg: 'distinct' }, '==', { const: 1 }] },
          ],
        },
      },
      {
        id: 'processes-own-pids',
        text: { en: 'Every process has a pid of its own, and the runner as its parent', zh: '每个进程都有自己的 pid，父进程都是运行器' },
        check: {
          all: [
            { compare: [{ actors: 'proc', field: 'pid', agg: 'distinct' }, '==', { const: { param: 'processes' } }] },
            // Children of the runner: so none of them can have the runner's own pid.
            { compare: [{ actors: 'proc', field: 'ppid', agg: 'distinct' }, '==', { const: 1 }] },
            { compare: [{ actors: 'proc', field: 'ppid', agg: 'first' }, '==', { runner: 'pid' }] },
          ],
        },
      },
      {
        id: 'thread-ids-distinct',
        text: { en: 'Threads are told apart by thread ids, distinct from each other and from the runner\'s', zh: '线程靠线程 id 区分，彼此不同，也与运行器的不同' },
        check: {
          all: [
            { compare: [{ actors: 'thread', field: 'threadId', agg: 'distinct' }, '==', { const: { param: 'threads' } }] },
            // Node hands out thread ids in increasing order, so a worker's id is above its creator's.
            { compare: [{ actors: 'thread', field: 'threadId', agg: 'min' }, '>', { runner: 'threadId' }] },
          ],
        },
      },
      {
        id: 'each-process-has-thread-0',
        text: { en: 'Each process numbers its own threads: its main thread is thread 0', zh: '每个进程给自己的线程编号：主线程是 0 号' },
        // Node's worker numbering; CPython reports OS thread ids, where a main thread's id is its process id.
        requires: { runtime: 'node' },
        check: { compare: [{ actors: 'proc', field: 'threadId', agg: 'max' }, '==', { const: 0 }] },
      },
    ],
  },
};
