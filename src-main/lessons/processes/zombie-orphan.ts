import type { Lesson } from '../../model/lesson';
import type { AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
/** Polls a managed variable until another actor has put a pid in it (bounded: 4 s). */
const awaitPid = (name: string): AuthoredStep => ({
  op: 'repeat',
  times: 400,
  trace: 'summary',
  steps: [
    { op: 'read', var: name, into: name },
    { op: 'if', cond: { compare: [ref(name), '==', 0] }, then: [{ op: 'sleep', ms: 10 }] },
  ],
});

export const zombieOrphan: Lesson = {
  id: 'zombie-orphan',
  chapter: 'processes',
  title: { en: 'Zombies and orphans, seen in /proc', zh: '僵尸进程与孤儿进程：在 /proc 中观察' },
  text: {
    teaches: {
      en: 'When a process exits, the kernel keeps a small record of it (its exit status) until its parent collects it with wait(). Until then the dead process is a zombie: state Z in /proc. If instead the parent dies first, its still-running children are orphans; the kernel hands them to another parent (init, or a subreaper), so their parent pid changes. Here one process starts a child that exits at once and then does not collect it for a while, and another process starts a long-running child and exits.',
      zh: '进程退出后，内核会保留它的一小段记录（退出状态），直到父进程用 wait() 收走。在那之前，这个已死的进程就是僵尸进程：/proc 里的状态是 Z。反过来，如果父进程先死了，它仍在运行的子进程就成了孤儿；内核把它们交给另一个父进程（init 或某个 subreaper），于是它们的父进程 pid 会改变。这里一个进程启动一个立刻退出的子进程，然后一段时间内不去回收它；另一个进程启动一个长时间运行的子进程后自己退出。',
    },
    watch: {
      en: 'The parent lane shows a long "block": while its event loop is blocked it cannot reap, and the child sits in state Z. The record orphanPpid differs from middlePid: the grandchild was adopted.',
      zh: 'parent 泳道上有一段很长的 block：事件循环被阻塞时无法回收子进程，子进程停在 Z 状态。记录 orphanPpid 与 middlePid 不同：孙进程被收养了。',
    },
    pythonVsNode: {
      en: 'In Python a zombie lasts until the parent calls wait() (or a Process object is joined). Node reaps its children automatically from the event loop, so a Node parent only leaves a zombie while its loop is blocked — which is exactly what this lesson does. Orphans are the same on both: the operating system adopts them. The lab keeps each actor in its own process group and ends the group with the run, so no orphan outlives the run.',
      zh: '在 Python 中，僵尸进程会一直存在，直到父进程调用 wait()（或 join 对应的 Process）。Node 会在事件循环中自动回收子进程，所以 Node 父进程只有在事件循环被阻塞时才会留下僵尸——这正是本课所做的。孤儿进程两者相同：由操作系统收养。实验室让每个参与者处在自己的进程组中，并在运行结束时结束整个组，所以没有孤儿能活过这次运行。',
    },
    tryNext: {
      en: 'Set holdMs=0: the parent reaps immediately and the zombie is usually gone before it is observed (the claim then fails — reaping is what removes zombies). The claims need /proc: on a platform without it they are inconclusive.',
      zh: '设置 holdMs=0：父进程立刻回收，通常在观察之前僵尸就消失了（此时论断不成立——正是回收让僵尸消失）。这些论断依赖 /proc：在没有 /proc 的平台上结果为“无法判断”。',
    },
  },
  presets: [
    { id: 'reap-at-once', label: { en: 'Reap at once', zh: '立即回收' }, params: { holdMs: 0 } },
  ],
  questions: [
    {
      id: 'zombie-state',
      kind: 'choice',
      text: {
        en: 'A child exits at once, and its parent does not wait() for it. What state does /proc show for the child?',
        zh: '一个子进程立刻退出，它的父进程却不调用 wait()。/proc 里这个子进程的状态是什么？',
      },
      choices: [
        { id: 'z', text: { en: 'Z: a zombie', zh: 'Z：僵尸进程' }, is: 'Z' },
        { id: 's', text: { en: 'S: sleeping', zh: 'S：睡眠' }, is: 'S' },
        { id: 'r', text: { en: 'R: running', zh: 'R：运行中' }, is: 'R' },
      ],
      answerFrom: { record: 'zombieState' },
      why: {
        en: 'An exited process keeps a small entry (its exit status) until its parent collects it with wait(). Until then it is a zombie: state Z.',
        zh: '进程退出后，内核会保留一条小记录（退出状态），直到父进程用 wait() 取走。在那之前它就是僵尸进程：状态 Z。',
      },
    },
    {
      id: 'orphan-ppid',
      kind: 'choice',
      text: { en: 'A parent dies while its child still runs. Does the child\'s parent pid change?', zh: '父进程先死了，子进程还在运行。子进程的父进程号（ppid）会变吗？' },
      choices: [
        { id: 'changes', text: { en: 'Yes: another process adopts it', zh: '会：另一个进程收养了它' }, when: '!=0' },
        { id: 'same', text: { en: 'No: it keeps the dead parent’s pid', zh: '不会：仍是已死父进程的 pid' }, when: '==0' },
      ],
      answerFrom: { difference: [{ record: 'orphanPpid' }, { record: 'middlePid' }] },
      why: {
        en: 'An orphan is handed to another parent (init, or a subreaper) so that someone can still collect its exit status: its ppid changes.',
        zh: '孤儿进程会被交给另一个父进程（init 或某个 subreaper），好让它的退出状态仍有人收取：它的 ppid 因此改变。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'zombie-orphan',
    title: { en: 'A zombie and an orphan', zh: '一个僵尸进程和一个孤儿进程' },
    params: {
      holdMs: { type: 'integer', default: 1500, min: 0, max: 5000, description: { en: 'how long the parent leaves its exited child unreaped', zh: '父进程不回收已退出子进程的时长' } },
    },
    shared: {
      zombiePid: { scope: 'managed', initial: 0 },
      orphanPid: { scope: 'managed', initial: 0 },
      middlePid: { scope: 'managed', initial: 0 },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'spawn', actor: 'parent' },
          { op: 'spawn', actor: 'middle' },
          awaitPid('zombiePid'),
          // Look until the exited child shows up as a zombie (it exits within milliseconds), at most 1 s.
          { op: 'let', name: 'zombieState', value: 'not seen' },
          {
            op: 'repeat',
            times: 100,
            trace: 'summary',
            steps: [
              {
                op: 'if',
                cond: { compare: [ref('zombieState'), '!=', 'Z'] },
                then: [
                  { op: 'proc_state', pid: ref('zombiePid'), into: 'z' },
                  { op: 'if', cond: { truthy: ref('z') }, then: [{ op: 'let', name: 'zombieState', value: { at: [ref('z'), 'state'] } }], else: [{ op: 'let', name: 'zombieState', value: 'gone' }] },
                  { op: 'if', cond: { compare: [ref('zombieState'), '!=', 'Z'] }, then: [{ op: 'sleep', ms: 10 }] },
                ],
              },
            ],
          },
          { op: 'record', name: 'zombieState', value: ref('zombieState') },
          awaitPid('orphanPid'),
          { op: 'join', actor: 'middle' },
          { op: 'read', var: 'middlePid', into: 'middlePid' },
          { op: 'proc_state', pid: ref('orphanPid'), into: 'o' },
          { op: 'record', name: 'middlePid', value: ref('middlePid') },
          { op: 'if', cond: { truthy: ref('o') }, then: [{ op: 'record', name: 'orphanPpid', value: { at: [ref('o'), 'ppid'] } }] },
          { op: 'join', actor: 'parent' },
        ],
      },
      {
        name: 'parent',
        kind: 'process',
        autostart: false,
        program: [
          { op: 'os_child', mode: 'exit', into: 'child' },
          { op: 'write', var: 'zombiePid', value: ref('child') },
          { op: 'log', message: 'child {pid} started; not reaping it for a while', values: { pid: ref('child') } },
          { op: 'block', ms: { param: 'holdMs' } },
        ],
      },
      {
        name: 'middle',
        kind: 'process',
        autostart: false,
        program: [
          { op: 'os_child', mode: 'sleep', ms: 30_000, into: 'grandchild' },
          { op: 'write', var: 'middlePid', value: { self: 'pid' } },
          { op: 'write', var: 'orphanPid', value: ref('grandchild') },
          { op: 'log', message: 'started {pid}, now exiting and leaving it behind', values: { pid: ref('grandchild') } },
        ],
      },
    ],
    claims: [
      {
        id: 'zombie-seen',
        text: { en: 'The exited, unreaped child is a zombie (state Z)', zh: '已退出但未被回收的子进程是僵尸（状态 Z）' },
        requires: { procfs: true },
        check: { compare: [{ record: 'zombieState' }, '==', { const: 'Z' }] },
      },
      {
        id: 'orphan-adopted',
        text: { en: 'The orphan\'s parent pid changed away from its dead parent', zh: '孤儿进程的父进程 pid 不再是已死亡的父进程' },
        requires: { procfs: true },
        check: { compare: [{ record: 'orphanPpid' }, '!=', { record: 'middlePid' }] },
      },
    ],
  },
};
