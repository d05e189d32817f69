import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

export const processLifecycle: Lesson = {
  id: 'process-lifecycle',
  chapter: 'processes',
  title: { en: 'A process\'s life: pid, parent, name, terminate', zh: '进程的一生：pid、父进程、名字与终止' },
  text: {
    teaches: {
      en: 'Every process has a pid, and a parent pid (ppid) naming the process that started it. A parent can ask whether a child is still alive and can end it early with terminate(). Terminating only sends a signal: the call returns at once, and the child is really gone a moment later, so a parent that checks immediately may still see it alive. Joining after terminate waits for that moment.',
      zh: '每个进程都有一个 pid，还有一个父进程 pid（ppid），指明是谁启动了它。父进程可以查询子进程是否仍在运行，也可以用 terminate() 提前结束它。terminate 只是发出一个信号：调用立刻返回，子进程要过一小会儿才真正消失，所以父进程马上检查时可能仍看到它在运行。在 terminate 之后 join，就是等待那一刻。',
    },
    watch: {
      en: 'The child reports its pid, its ppid (the runner\'s pid) and its name, then settles into a long sleep. The main lane checks is_alive (true), terminates the child, checks again right away (often still true), joins, and checks a last time (false). The child\'s lane ends in "terminated" and never reaches its last step.',
      zh: '子进程报告自己的 pid、ppid（运行器的 pid）和名字，然后进入长时间睡眠。主泳道先检查 is_alive（true），终止子进程，立刻再检查一次（常常仍是 true），join 之后最后检查一次（false）。子进程泳道以 terminated 结束，始终没有走到最后一步。',
    },
    pythonVsNode: {
      en: 'Python\'s terminate() sends SIGTERM on Unix; the lab kills the child\'s whole process group with SIGKILL, so no handler in the child can delay it. Python names processes Process-1, Process-2 unless told otherwise; here the name is the one given in the experiment, and the child sees the same name. Node threads could be terminated too, which Python threads cannot.',
      zh: 'Python 的 terminate() 在 Unix 上发送 SIGTERM；实验室用 SIGKILL 杀掉子进程所在的整个进程组，子进程里的任何处理函数都无法拖延它。Python 默认把进程命名为 Process-1、Process-2；这里用的是实验中给定的名字，子进程看到的也是同一个名字。Node 的线程同样可以被终止，而 Python 的线程不行。',
    },
    tryNext: {
      en: 'Run it several times and compare the records aliveRightAfter and aliveAfter: the first depends on how fast the signal lands, the second is always false. Set lifeMs=100: the child is still killed before it finishes, because the parent terminates it the moment it reports ready; a parent that wants the child\'s work done joins it instead of terminating it.',
      zh: '多运行几次，比较记录 aliveRightAfter 和 aliveAfter：前者取决于信号多快生效，后者总是 false。设置 lifeMs=100：子进程仍会在完成前被杀掉，因为它一报告就绪，父进程就终止了它；想让子进程把活干完，父进程应该 join 它，而不是终止它。',
    },
  },
  presets: [
    { id: 'short-life', label: { en: 'A child that needs only 100 ms', zh: '子进程只需 100 毫秒' }, params: { lifeMs: 100 } },
  ],
  questions: [
    {
      id: 'alive-right-after',
      kind: 'choice',
      text: { en: 'The parent calls terminate() and asks is_alive() at once. What does it see?', zh: '父进程调用 terminate()，紧接着问 is_alive()。它看到的是什么？' },
      choices: [{ id: 'yes', text: { en: 'Still alive, for a moment', zh: '还活着，只是片刻' }, when: '>=0.5' }, { id: 'no', text: { en: 'Already gone', zh: '已经没了' }, when: '<0.5' }],
      answerFrom: { record: 'aliveRightAfter' },
      why: {
        en: 'terminate() only sends a signal and returns at once; the child is really gone a moment later. A parent that checks immediately usually still sees it alive; join() waits for that moment.',
        zh: 'terminate() 只是发出一个信号，然后立即返回；子进程要过一小会儿才真正消失。马上检查的父进程通常仍看到它活着；join() 会等到那一刻。',
      },
    },
    {
      id: 'alive-after-join',
      kind: 'choice',
      text: { en: 'After terminate() and join(), is the child alive?', zh: 'terminate() 再 join() 之后，子进程还活着吗？' },
      choices: [{ id: 'yes', text: { en: 'Yes', zh: '还活着' }, when: '>=0.5' }, { id: 'no', text: { en: 'No', zh: '不在了' }, when: '<0.5' }],
      answerFrom: { record: 'aliveAfter' },
      why: { en: 'join() returns once the child has ended, so is_alive() is false from then on.', zh: 'join() 在子进程结束后才返回，所以此后 is_alive() 为 false。' },
    },
  ],
  spec: {
    version: 1,
    id: 'process-lifecycle',
    title: { en: 'Start, inspect and terminate a child', zh: '启动、查看并终止子进程' },
    params: {
      lifeMs: { type: 'integer', default: 5000, min: 100, max: 60_000, description: { en: 'how long the child would sleep if left alone', zh: '不被打扰时子进程会睡多久' } },
    },
    primitives: { ready: { type: 'event' } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'spawn', actor: 'courier' },
          // Wait until the child runs, so that it has reported who it is before it is killed.
          { op: 'wait', prim: 'ready', timeoutMs: 10_000 },
          { op: 'is_alive', actor: 'courier', into: 'alive' },
          { op: 'record', name: 'aliveBefore', value: ref('alive') },
          { op: 'mark', name: 'terminate' },
          { op: 'terminate', actor: 'courier' },
          { op: 'is_alive', actor: 'courier', into: 'alive' },
          { op: 'record', name: 'aliveRightAfter', value: ref('alive') },
          { op: 'let', name: 't0', value: { now: 'ms' } },
          { op: 'join', actor: 'courier', timeoutMs: 5_000 },
          { op: 'record', name: 'goneAfterMs', value: { sub: [{ now: 'ms' }, ref('t0')] } },
          { op: 'is_alive', actor: 'courier', into: 'alive' },
          { op: 'record', name: 'aliveAfter', value: ref('alive') },
          { op: 'log', message: 'parent: pid {pid}, my own parent is {ppid}', values: { pid: { self: 'pid' }, ppid: { self: 'ppid' } } },
        ],
      },
      {
        name: 'courier',
        kind: 'process',
        autostart: false,
        program: [
          { op: 'record', name: 'childPid', value: { self: 'pid' } },
          { op: 'record', name: 'childPpid', value: { self: 'ppid' } },
          { op: 'record', name: 'childName', value: { self: 'name' } },
          { op: 'log', message: '{name}: pid {pid}, parent {ppid}', values: { name: { self: 'name' }, pid: { self: 'pid' }, ppid: { self: 'ppid' } } },
          { op: 'set', prim: 'ready' },
          { op: 'sleep', ms: { param: 'lifeMs' } },
          { op: 'mark', name: 'finished-normally' },
        ],
      },
    ],
    claims: [
      {
        id: 'gone-after-terminate',
        text: { en: 'Alive before terminate, not alive soon after it (within 1 s)', zh: '终止前存活，终止后很快（1 秒内）不再存活' },
        check: {
          all: [
            { compare: [{ record: 'aliveBefore' }, '==', { const: true }] },
            { compare: [{ record: 'aliveAfter' }, '==', { const: false }] },
            { compare: [{ record: 'goneAfterMs' }, '<', { const: 1000 }] },
            { compare: [{ actor: 'courier', field: 'exit' }, '==', { const: 'terminated' }] },
            { compare: [{ event: { op: 'mark', name: 'finished-normally' }, pick: 'count' }, '==', { const: 0 }] },
          ],
        },
      },
      {
        id: 'own-pid',
        text: { en: 'The child has a pid of its own, different from the parent\'s', zh: '子进程有自己的 pid，与父进程不同' },
        check: {
          all: [
            { compare: [{ actor: 'courier', field: 'pid' }, '!=', { runner: 'pid' }] },
            { compare: [{ record: 'childPid' }, '==', { actor: 'courier', field: 'pid' }] },
          ],
        },
      },
      {
        id: 'ppid-is-runner',
        text: { en: 'The child\'s parent pid is the runner\'s pid', zh: '子进程的父进程 pid 就是运行器的 pid' },
        check: { compare: [{ record: 'childPpid' }, '==', { runner: 'pid' }] },
      },
      {
        id: 'name-kept',
        text: { en: 'The child sees the name it was given', zh: '子进程看到的是启动时给它的名字' },
        check: { compare: [{ record: 'childName' }, '==', { const: 'courier' }] },
      },
    ],
  },
};
