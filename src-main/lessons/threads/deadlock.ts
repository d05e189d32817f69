import type { Lesson } from '../../model/lesson';
import type { AuthoredStep } from '../../model/spec-schema';

const take = (twoLocks: string, oneLock: string): AuthoredStep => ({
  op: 'if',
  cond: { truthy: { param: 'useRlock' } },
  then: [{ op: 'acquire', prim: oneLock }],
  else: [{ op: 'acquire', prim: twoLocks }],
});
const drop = (twoLocks: string, oneLock: string): AuthoredStep => ({
  op: 'if',
  cond: { truthy: { param: 'useRlock' } },
  then: [{ op: 'release', prim: oneLock }],
  else: [{ op: 'release', prim: twoLocks }],
});

export const deadlock: Lesson = {
  id: 'deadlock',
  chapter: 'threads',
  title: { en: 'Deadlock: two locks taken in opposite orders', zh: '死锁：以相反顺序获取两把锁' },
  text: {
    teaches: {
      en: 'Each thread runs two functions. The first takes lock A then lock B; the second takes B, pauses, then A. As soon as one thread holds B and waits for A while another holds A and waits for B, neither can ever continue: a deadlock. The lab watches who holds and who waits for every lock, finds the cycle and names it. A recursive lock (one lock the owner may take again) removes the second lock, and with it the cycle.',
      zh: '每个线程依次执行两个函数：第一个先拿锁 A 再拿锁 B；第二个先拿 B，停一下，再拿 A。一旦某个线程持有 B 等 A，而另一个线程持有 A 等 B，两者都无法继续：这就是死锁。实验室记录每把锁的持有者和等待者，找出环并指出它。递归锁（持有者可以再次获取的同一把锁）去掉了第二把锁，也就去掉了环。',
    },
    watch: {
      en: 'Two lanes turn to "blocked on a lock" and stay so; the result names the cycle: which thread waits for which lock held by whom. With useRlock=true every lane finishes.',
      zh: '两条泳道变成“等待锁”后不再变化；结果会指出这个环：哪个线程在等哪把被谁持有的锁。设置 useRlock=true 时，所有泳道都会结束。',
    },
    pythonVsNode: {
      en: 'Python would hang here forever; so would Node workers blocked in Atomics.wait. The lab ends the run when the cycle is confirmed and stops the threads — Node can terminate a worker, which Python cannot do to a thread.',
      zh: 'Python 在这里会永远挂起；阻塞在 Atomics.wait 里的 Node worker 也一样。实验室在确认环之后结束运行并停止这些线程——Node 可以终止 worker，而 Python 无法终止线程。',
    },
    tryNext: {
      en: 'Set pauseMs=0: the window narrows but the deadlock still forms whenever two threads overlap. Set useRlock=true: all threads complete, and the timeline shows them taking turns on the single lock.',
      zh: '设置 pauseMs=0：窗口变窄，但只要两个线程重叠，死锁仍会出现。设置 useRlock=true：所有线程都能完成，时间线上可以看到它们轮流使用那一把锁。',
    },
  },
  presets: [
    { id: 'no-pause', label: { en: 'No pause between the locks', zh: '两把锁之间不停顿' }, params: { pauseMs: 0 } },
    { id: 'rlock', label: { en: 'One re-entrant lock', zh: '一把可重入锁' }, params: { useRlock: true } },
  ],
  questions: [
    {
      id: 'how-it-ends',
      kind: 'choice',
      text: {
        en: 'Ten threads each take locks A then B in one function, and B then A in another. How does the run end?',
        zh: '十个线程，每个在一个函数里先拿锁 A 再拿 B，在另一个函数里先拿 B 再拿 A。这次运行会怎样结束？',
      },
      choices: [
        { id: 'yes', text: { en: 'Deadlocked: the lab finds the cycle', zh: '死锁：实验室找出等待环' }, when: '>=0.5' },
        { id: 'no', text: { en: 'Every thread finishes', zh: '所有线程都顺利完成' }, when: '<0.5' },
      ],
      answerFrom: { claim: 'deadlock-detected' },
      why: {
        en: 'As soon as one thread holds B and waits for A while another holds A and waits for B, neither can go on. With useRlock=true there is only one lock and every thread completes.',
        zh: '只要一个线程拿着 B 等 A，另一个拿着 A 等 B，两者就都无法继续。若 useRlock=true，就只有一把锁，所有线程都能完成。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'deadlock',
    title: { en: 'Opposite lock orders', zh: '相反的加锁顺序' },
    params: {
      threads: { type: 'integer', default: 10, min: 2, max: 100 },
      pauseMs: { type: 'integer', default: 300, min: 0, max: 2000, description: { en: 'pause while holding B before taking A', zh: '持有 B 后、获取 A 之前的停顿' } },
      useRlock: { type: 'boolean', default: false, description: { en: 'use one recursive lock instead of A and B', zh: '用一把递归锁代替 A 和 B' } },
    },
    primitives: { A: { type: 'mutex' }, B: { type: 'mutex' }, R: { type: 'rlock' } },
    actors: [
      {
        name: 'worker',
        kind: 'thread',
        count: { param: 'threads' },
        program: [
          { op: 'log', message: 'f1 starts' },
          take('A', 'R'),
          take('B', 'R'),
          drop('B', 'R'),
          drop('A', 'R'),
          { op: 'log', message: 'f2 starts' },
          take('B', 'R'),
          { op: 'sleep', ms: { param: 'pauseMs' } },
          take('A', 'R'),
          drop('A', 'R'),
          drop('B', 'R'),
          { op: 'log', message: 'done' },
        ],
      },
    ],
    claims: [
      {
        id: 'deadlock-detected',
        text: { en: 'The deadlock is detected within 1 s, with its cycle of threads and locks named', zh: '死锁在 1 秒内被检测到，并指出线程与锁构成的环' },
        when: { not: { truthy: { param: 'useRlock' } } },
        statuses: ['deadlocked', 'ok'],
        check: { all: [{ compare: [{ status: true }, '==', { const: 'deadlocked' }] }, { compare: [{ metric: 'deadlockLatencyMs' }, '<', { const: 1000 }] }] },
      },
      {
        id: 'rlock-completes',
        text: { en: 'With a recursive lock every thread completes', zh: '使用递归锁时所有线程都能完成' },
        when: { truthy: { param: 'useRlock' } },
        check: {
          all: [
            { compare: [{ actors: 'worker', field: 'exit', agg: 'distinct' }, '==', { const: 1 }] },
            { compare: [{ actors: 'worker', field: 'exit', agg: 'first' }, '==', { const: 'completed' }] },
          ],
        },
      },
    ],
  },
};
