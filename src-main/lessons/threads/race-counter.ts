import type { Lesson } from '../../model/lesson';
import type { AuthoredStep } from '../../model/spec-schema';

const readPauseWrite: AuthoredStep[] = [
  { op: 'read', var: 'counter', into: 'seen' },
  // The gap between reading and writing back is the race window: wide on purpose, so that without
  // the lock many threads read before the others write back and updates are lost. Not all of them:
  // a thread that starts after an earlier one has written reads the newer value (20 threads have
  // ended at 13 as well as at 19), so the claim asks only that some updates are lost.
  { op: 'block', ms: { param: 'windowMs' } },
  { op: 'write', var: 'counter', value: { sub: [{ ref: 'seen' }, 1] } },
];
const criticalSection = (locked: boolean): AuthoredStep[] =>
  locked
    ? [{ op: 'acquire', prim: 'counterLock' }, { op: 'section', name: 'critical', steps: readPauseWrite }, { op: 'release', prim: 'counterLock' }]
    : readPauseWrite;

export const raceCounter: Lesson = {
  id: 'race-counter',
  chapter: 'threads',
  title: { en: 'A race that loses updates, and the lock that fixes it', zh: '丢失更新的竞争，以及修复它的锁' },
  text: {
    teaches: {
      en: 'Many threads each take one from a shared counter by reading it, pausing, and writing back. Without a lock, threads that read before the others have written back read the same old value and overwrite each other, so many decrements vanish — how many depends on how the starts spread out. With a mutex around read-pause-write the counter reaches exactly zero. Starting threads one at a time and joining each before the next is also correct, but slower than a lock when each thread has work outside the critical section. The lock phase and the serial one are compared on their work alone: the time threads take to start is recorded apart (lockedStartMs; serialMs includes the start-ups).',
      zh: '多个线程各自把共享计数器减一：先读，停一下，再写回。没有锁时，在别的线程写回之前就读取的线程会读到同一个旧值、互相覆盖，许多次减法就这样丢了；丢多少取决于各线程启动得有多分散。用互斥锁包住“读-停-写”，计数器恰好减到零。一个接一个地启动线程并逐个 join 也正确，但当每个线程在临界区外还有工作时，它比加锁慢。加锁阶段和串行阶段只比较工作本身：线程启动的耗时单独记录（lockedStartMs；serialMs 包含启动开销）。',
    },
    watch: {
      en: 'In the unlocked phase all lanes read at almost the same moment. In the locked phase the lanes show long "blocked on a lock" stretches: only one thread is inside at a time. In the serial phase lanes never overlap.',
      zh: '无锁阶段，各条泳道几乎同时读取；加锁阶段，泳道上出现长段“等待锁”，任何时刻只有一个线程在临界区内；串行阶段，泳道彼此不重叠。',
    },
    pythonVsNode: {
      en: 'In CPython the GIL runs one thread at a time, yet the race still happens because the thread can be switched between the read and the write. Node worker threads run truly in parallel on separate cores, so the race needs no switch at all. A Node worker costs tens of milliseconds to start (a CPython thread well under one), which is why the whole serial phase (serialMs) is so slow on Node; the claim compares work alone, so it holds on CPython for the same reason it holds on Node: the locked threads overlap their outside work.',
      zh: 'CPython 有 GIL，同一时刻只运行一个线程，但读和写之间可能被切换，所以仍会竞争。Node 的 worker 线程在不同核心上真正并行，不需要切换就会竞争。Node 启动一个 worker 要几十毫秒（CPython 线程远不到一毫秒），所以在 Node 上整个串行阶段（serialMs）特别慢；论断只比较工作本身，所以它在 CPython 上成立的原因和在 Node 上一样：加锁的线程让临界区外的工作相互重叠。',
    },
    tryNext: {
      en: 'Set windowMs=0: the race window shrinks to a few instructions and some runs may lose no update at all — races are about timing, not certainty. Raise threads to 50: the unlocked result stays far above zero while the locked one is still exactly zero.',
      zh: '把 windowMs 设为 0：竞争窗口缩到几条指令，有些运行可能一个更新都不丢——竞争取决于时机，而非必然。把 threads 调到 50：无锁结果仍远高于零，加锁结果仍恰好为零。',
    },
  },
  results: {
    kind: 'bars',
    title: { en: 'Updates lost in each phase', zh: '每个阶段丢失的更新' },
    rowHeader: { en: 'phase', zh: '阶段' },
    columns: [
      { id: 'lost', label: { en: 'updates lost (counter at the end)', zh: '丢失的更新（计数器最终值）' } },
      { id: 'work', label: { en: 'work time', zh: '工作耗时' }, unit: 'ms' },
    ],
    rows: [
      { label: { en: 'no lock', zh: '不加锁' }, cells: [{ record: 'unlockedFinal' }, null] },
      { label: { en: 'with a lock', zh: '加锁' }, cells: [{ record: 'lockedFinal' }, { record: 'lockedMs' }] },
      { label: { en: 'one thread at a time', zh: '逐个线程' }, cells: [{ record: 'serialFinal' }, { record: 'serialWorkMs', agg: 'sum' }] },
    ],
    ratios: [{ label: { en: 'serial work ÷ locked work', zh: '串行工作耗时 ÷ 加锁工作耗时' }, of: { record: 'serialWorkMs', agg: 'sum' }, over: { record: 'lockedMs' } }],
    barColumns: ['lost'],
  },
  presets: [
    { id: 'no-window', label: { en: 'No race window', zh: '没有竞争窗口' }, params: { windowMs: 0 } },
    { id: 'fifty-threads', label: { en: 'Fifty threads', zh: '五十个线程' }, params: { threads: 50 } },
  ],
  questions: [
    {
      id: 'lost-unlocked',
      kind: 'number',
      text: {
        en: 'Each thread takes one from a shared counter that starts at the number of threads (read, pause, write back), without a lock. With the default 20 threads, how many of the 20 updates will be lost (the counter at the end)?',
        zh: '每个线程把共享计数器减一（读、停一下、写回），计数器的初值等于线程数，不加锁。按默认的 20 个线程，20 次更新里会丢掉几次（也就是计数器最终的值）？',
      },
      min: 0,
      max: 200,
      answerFrom: { record: 'unlockedFinal' },
      tolerance: { absolute: 4 },
      why: {
        en: 'Threads that read before the others have written back read the same old value and overwrite each other. Most of the decrements vanish; exactly how many depends on how spread out the starts were.',
        zh: '在别人写回之前就读取的线程，读到的是同一个旧值，然后互相覆盖。大部分减法都丢了；具体丢几次，取决于各线程启动得有多分散。',
      },
    },
    {
      id: 'lost-locked',
      kind: 'number',
      text: { en: 'With a mutex around read-pause-write, what is the counter at the end?', zh: '用互斥锁包住“读-停-写”后，计数器最终是多少？' },
      min: 0,
      max: 200,
      answerFrom: { record: 'lockedFinal' },
      tolerance: { absolute: 0 },
      why: { en: 'Only one thread is inside at a time, so every read sees the previous write: the counter reaches exactly 0.', zh: '任何时刻只有一个线程在里面，每次读都能看到上一次的写入：计数器恰好减到 0。' },
    },
    {
      id: 'lock-or-serial',
      kind: 'choice',
      text: { en: 'Which is faster, counting work only (not start-up): threads with the lock, or one thread at a time?', zh: '只算工作耗时（不算启动），哪个更快：加锁的多线程，还是一次一个线程？' },
      choices: [{ id: 'lock', text: { en: 'Threads with the lock', zh: '加锁的多线程' }, when: '<1' }, { id: 'serial', text: { en: 'One thread at a time', zh: '一次一个线程' }, when: '>=1' }],
      answerFrom: { ratio: [{ record: 'lockedMs' }, { record: 'serialWorkMs', agg: 'sum' }] },
      why: {
        en: 'Only the critical section is serialized: the locked threads overlap their 40 ms of work outside it, while one-at-a-time adds every thread’s whole work.',
        zh: '被串行化的只有临界区：加锁的线程在临界区外 40 毫秒的工作是重叠进行的，而一次一个线程则把每个线程的全部工作加在一起。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'race-counter',
    title: { en: 'Race on a shared counter', zh: '共享计数器上的竞争' },
    params: {
      threads: { type: 'integer', default: 20, min: 2, max: 200, description: { en: 'threads in each phase', zh: '每个阶段的线程数' } },
      windowMs: { type: 'integer', default: 10, min: 0, max: 200, description: { en: 'pause between read and write (the race window)', zh: '读与写之间的停顿（竞争窗口）' } },
      outsideMs: { type: 'integer', default: 40, min: 0, max: 1000, description: { en: 'work each thread does outside the critical section', zh: '每个线程在临界区外做的工作' } },
    },
    shared: { counter: { scope: 'shared', initial: { param: 'threads' } } },
    primitives: { counterLock: { type: 'mutex' }, arrived: { type: 'semaphore', value: 0 }, lockedGo: { type: 'event' } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'mark', name: 'unlocked' },
          { op: 'spawn', actor: 'unlocked' },
          { op: 'join', actor: 'unlocked' },
          { op: 'read', var: 'counter', into: 'final' },
          { op: 'record', name: 'unlockedFinal', value: { ref: 'final' } },
          { op: 'write', var: 'counter', value: { param: 'threads' } },
          { op: 'mark', name: 'locked' },
          // Start-up is timed apart from the work: every locked thread arrives, then all go at once.
          { op: 'let', name: 't0', value: { now: 'ms' } },
          { op: 'spawn', actor: 'locked' },
          { op: 'repeat', times: { param: 'threads' }, steps: [{ op: 'acquire', prim: 'arrived' }] },
          { op: 'record', name: 'lockedStartMs', value: { sub: [{ now: 'ms' }, { ref: 't0' }] } },
          { op: 'let', name: 't0', value: { now: 'ms' } },
          { op: 'set', prim: 'lockedGo' },
          { op: 'join', actor: 'locked' },
          { op: 'record', name: 'lockedMs', value: { sub: [{ now: 'ms' }, { ref: 't0' }] } },
          { op: 'read', var: 'counter', into: 'final' },
          { op: 'record', name: 'lockedFinal', value: { ref: 'final' } },
          { op: 'write', var: 'counter', value: { param: 'threads' } },
          { op: 'mark', name: 'serial' },
          { op: 'let', name: 't0', value: { now: 'ms' } },
          { op: 'let', name: 'i', value: 0 },
          {
            op: 'repeat',
            times: { param: 'threads' },
            steps: [
              { op: 'spawn', actor: 'serial', index: { ref: 'i' } },
              { op: 'join', actor: 'serial', index: { ref: 'i' } },
              { op: 'let', name: 'i', value: { add: [{ ref: 'i' }, 1] } },
            ],
          },
          { op: 'record', name: 'serialMs', value: { sub: [{ now: 'ms' }, { ref: 't0' }] } },
          { op: 'read', var: 'counter', into: 'final' },
          { op: 'record', name: 'serialFinal', value: { ref: 'final' } },
        ],
      },
      { name: 'unlocked', kind: 'thread', count: { param: 'threads' }, autostart: false, program: criticalSection(false) },
      {
        name: 'locked',
        kind: 'thread',
        count: { param: 'threads' },
        autostart: false,
        program: [{ op: 'release', prim: 'arrived' }, { op: 'wait', prim: 'lockedGo' }, { op: 'block', ms: { param: 'outsideMs' } }, ...criticalSection(true)],
      },
      {
        name: 'serial',
        kind: 'thread',
        count: { param: 'threads' },
        autostart: false,
        // Each serial thread times its own work, so that the serial phase can be judged without its start-ups.
        program: [
          { op: 'let', name: 't0', value: { now: 'ms' } },
          { op: 'block', ms: { param: 'outsideMs' } },
          ...criticalSection(false),
          { op: 'record', name: 'serialWorkMs', value: { sub: [{ now: 'ms' }, { ref: 't0' }] } },
        ],
      },
    ],
    claims: [
      {
        id: 'updates-lost',
        text: { en: 'Without a lock, updates are lost: the counter ends above 0', zh: '不加锁会丢失更新：计数器最终大于 0' },
        check: { compare: [{ record: 'unlockedFinal' }, '>', { const: 0 }] },
      },
      {
        id: 'serial-exact',
        text: { en: 'Starting and joining one thread at a time is also correct: the counter ends at 0', zh: '一次只启动并 join 一个线程同样正确：计数器最终为 0' },
        check: { compare: [{ record: 'serialFinal' }, '==', { const: 0 }] },
      },
      {
        id: 'lock-exact',
        text: { en: 'With a mutex the counter ends at exactly 0', zh: '加互斥锁后计数器恰好为 0' },
        check: { all: [{ compare: [{ record: 'lockedFinal' }, '==', { const: 0 }] }, { compare: [{ metric: 'section.critical.max' }, '==', { const: 1 }] }] },
      },
      {
        id: 'lock-beats-serial',
        text: {
          en: 'The lock variant is faster than running the threads one by one, start-up left out: the locked threads overlap their work outside the critical section',
          zh: '加锁版本比逐个运行线程更快（不计启动开销）：加锁的线程在临界区外的工作相互重叠',
        },
        // Work against work: Node's worker start-up (tens of ms each, a CPython thread's well under one) must not decide it.
        check: { compare: [{ record: 'lockedMs' }, '<', { record: 'serialWorkMs', agg: 'sum' }] },
      },
    ],
  },
};
