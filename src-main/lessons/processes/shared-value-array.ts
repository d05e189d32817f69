import type { Lesson } from '../../model/lesson';
import type { AuthoredActor, AuthoredStep, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
const PHASES = ['unlocked', 'locked', 'slots'] as const;
type Phase = (typeof PHASES)[number];

/** `counter.value += 1` written out as its two halves, with a pause between them where another process may write. */
const increment: AuthoredStep[] = [
  { op: 'read', var: 'counter', into: 'seen' },
  { op: 'sleep', ms: { param: 'pauseMs' } },
  { op: 'write', var: 'counter', value: { add: [ref('seen'), 1] } },
];
/** Each process counts in its own element of a lock-free array: nobody else writes there. */
const ownSlot: AuthoredStep[] = [
  { op: 'read', var: 'slots', index: { self: 'index' }, into: 'seen' },
  { op: 'sleep', ms: { param: 'pauseMs' } },
  { op: 'write', var: 'slots', index: { self: 'index' }, value: { add: [ref('seen'), 1] } },
];
const work: Record<Phase, AuthoredStep[]> = {
  unlocked: increment,
  locked: [{ op: 'var_lock', var: 'counter' }, ...increment, { op: 'var_unlock', var: 'counter' }],
  slots: ownSlot,
};

const worker = (phase: Phase): AuthoredActor => ({
  name: phase,
  kind: 'process',
  count: { param: 'workers' },
  autostart: false,
  program: [{ op: 'release', prim: 'arrived' }, { op: 'wait', prim: `${phase}Go` }, { op: 'repeat', times: { param: 'rounds' }, steps: work[phase] }],
});

/** Start a phase's processes, let them go together once all are ready, wait for them. */
const phase = (name: Phase): AuthoredStep[] => [
  { op: 'mark', name },
  { op: 'spawn', actor: name },
  { op: 'repeat', times: { param: 'workers' }, steps: [{ op: 'acquire', prim: 'arrived' }] },
  { op: 'set', prim: `${name}Go` },
  { op: 'join', actor: name },
];
const expected: AuthoredValue = { mul: [{ param: 'workers' }, { param: 'rounds' }] };
const lost = (record: string): AuthoredStep[] => [
  { op: 'read', var: 'counter', into: 'final' },
  { op: 'record', name: record, value: { sub: [expected, ref('final')] } },
];

export const sharedValueArray: Lesson = {
  id: 'shared-value-array',
  chapter: 'processes',
  title: { en: 'multiprocessing.Value and Array: shared memory with its own lock', zh: 'multiprocessing.Value 与 Array：自带锁的共享内存' },
  text: {
    teaches: {
      zh: '进程默认什么都不共享，但 multiprocessing.Value 和 Array 把一个 C 整数（或一组整数）放在共享内存里：父进程和所有子进程看到的是同一块内存，一个进程写入，其他进程立刻能读到。它们默认带一把锁，单次读或单次写是完整的；可是 `v.value += 1` 是先读后写两步，两步之间别的进程可能已经写过，于是更新丢失。要让整个“读—改—写”不可分割，就要在外面拿住它自己的锁：`with v.get_lock(): v.value += 1`。用 lock=False 创建的 RawValue / RawArray 连这把锁都没有，只有当每个进程只写属于自己的元素时才安全。',
      en: 'Processes share nothing by default, but multiprocessing.Value and Array put a C integer (or an array of them) in shared memory: the parent and every child see the same memory, and what one process writes the others read at once. By default they come with a lock, so one read or one write is whole; but `v.value += 1` is a read and then a write, another process may write in between, and an update is lost. To make the whole read-modify-write indivisible, hold its own lock around it: `with v.get_lock(): v.value += 1`. A RawValue / RawArray (lock=False) has not even that lock, and is safe only when each process writes elements nobody else writes.',
    },
    watch: {
      zh: '三个阶段各启动 workers 个进程，等它们都就绪后同时放行，每个进程做 rounds 次递增。unlocked：读 counter、暂停 pauseMs、写回加一，不拿锁，unlockedLost 是丢失的更新数。locked：同样的步骤夹在 var_lock 和 var_unlock 之间（也就是 get_lock()），lockedLost 应为 0，主程序读到的正是子进程写入的总数。slots：一个无锁数组，每个进程只写自己下标的元素，每个元素最后都等于 rounds。时间线上 var_lock 的等待显示了进程排队的样子。',
      en: 'Three phases each start workers processes, let them go together once all are ready, and each process increments rounds times. unlocked: read counter, pause pauseMs, write it back plus one, no lock; unlockedLost counts the updates lost. locked: the same steps between var_lock and var_unlock (that is, get_lock()); lockedLost should be 0, and main reads exactly the total the children wrote. slots: a lock-free array where each process writes only the element at its own index; every element ends at rounds. On the timeline, the waits of var_lock show the processes queueing.',
    },
    pythonVsNode: {
      zh: '这一课只在 CPython 上运行：value 与 array 作用域、var_lock 步骤都是 CPython 独有的，Node 引擎在开始之前就会拒绝它们。在 Node 里，对应的东西是 SharedArrayBuffer 加 Atomics：线程之间共享内存，Atomics.add 是不可分割的加法；而 Node 的子进程之间没有共享内存（这个实验室里 shared 作用域给每个进程一份私有副本）。',
      en: 'This lesson runs on CPython only: the value and array scopes and the var_lock step are CPython\'s, and the Node engine refuses them before anything starts. In Node the counterpart is a SharedArrayBuffer with Atomics: memory shared between threads, with Atomics.add as the indivisible addition; Node child processes share no memory (in this lab the shared scope gives each process a private copy).',
    },
    tryNext: {
      zh: '设置 pauseMs=0：读和写之间不再暂停，丢失的更新变少，但只要进程真的同时运行，通常仍然不为零。设置 workers=1：只有一个进程，不拿锁也不会丢失。把 rounds 调大，看 locked 阶段比 unlocked 慢了多少——锁让进程排队。',
      en: 'Set pauseMs=0: no pause between the read and the write, fewer updates are lost, but usually still some as long as the processes really run at once. Set workers=1: with one process nothing is lost even without the lock. Raise rounds and see how much slower the locked phase is: the lock makes the processes queue.',
    },
  },
  results: {
    kind: 'bars',
    title: { en: 'Updates lost on a shared value, with and without its lock', zh: '共享值上丢失的更新：加锁与不加锁' },
    rowHeader: { en: 'phase', zh: '阶段' },
    columns: [{ id: 'lost', label: { en: 'updates lost', zh: '丢失的更新' } }],
    rows: [
      { label: { en: 'no lock', zh: '不加锁' }, cells: [{ record: 'unlockedLost' }] },
      { label: { en: 'with the lock', zh: '加锁' }, cells: [{ record: 'lockedLost' }] },
    ],
  },
  presets: [
    { id: 'no-pause', label: { en: 'No pause between read and write', zh: '读写之间不停顿' }, params: { pauseMs: 0 } },
    { id: 'one-worker', label: { en: 'One worker', zh: '只有一个进程' }, params: { workers: 1 } },
    { id: 'more-rounds', label: { en: '200 rounds', zh: '200 轮' }, params: { rounds: 200 } },
  ],
  questions: [
    {
      id: 'lost-unlocked',
      kind: 'number',
      text: {
        en: '4 processes each add 1 to a shared Value 10 times, with read-then-write and without its lock. How many of the 40 increments are lost?',
        zh: '4 个进程各对一个共享 Value 加 1 十次，用“先读再写”且不加它的锁。40 次加法里会丢掉多少次？',
      },
      min: 0,
      max: 100000,
      answerFrom: { record: 'unlockedLost' },
      tolerance: { absolute: 8 },
      why: {
        en: 'v.value += 1 is a read and then a write: another process may write in between, and its update is overwritten. How many are lost depends on timing, but usually some are.',
        zh: 'v.value += 1 其实是先读后写：中间可能有别的进程写入，它的更新就被覆盖了。丢多少取决于时机，但通常总会丢一些。',
      },
    },
    {
      id: 'lost-locked',
      kind: 'choice',
      text: { en: 'Holding the Value\'s own lock around the read and the write, how many are lost?', zh: '在读和写外面持有这个 Value 自带的锁，会丢多少？' },
      choices: [{ id: 'none', text: { en: 'None', zh: '一次也不丢' }, when: '<=0' }, { id: 'some', text: { en: 'Some', zh: '会丢一些' }, when: '>0' }],
      answerFrom: { record: 'lockedLost' },
      why: { en: 'With the lock held, no other process can write between the read and the write: every increment counts.', zh: '持有锁时，读和写之间不会插进别的进程的写入：每一次加法都算数。' },
    },
  ],
  spec: {
    version: 1,
    id: 'shared-value-array',
    title: { en: 'A shared Value with and without its lock; a lock-free Array', zh: '共享 Value 加锁与不加锁；无锁 Array' },
    params: {
      workers: { type: 'integer', default: 4, min: 1, max: 4, description: { en: 'processes in each phase (one element of slots each)', zh: '每个阶段的进程数（每个进程一个 slots 元素）' } },
      rounds: { type: 'integer', default: 10, min: 1, max: 1_000, description: { en: 'increments per process', zh: '每个进程的递增次数' } },
      pauseMs: { type: 'number', default: 2, min: 0, max: 100, description: { en: 'pause between the read and the write', zh: '读和写之间的暂停' } },
    },
    shared: {
      counter: { scope: 'value', initial: 0, description: { en: "multiprocessing.Value('i', 0)", zh: "multiprocessing.Value('i', 0)" } },
      slots: { scope: 'array', initial: [0, 0, 0, 0], lock: false, description: { en: "multiprocessing.Array('i', 4, lock=False)", zh: "multiprocessing.Array('i', 4, lock=False)" } },
    },
    primitives: {
      arrived: { type: 'semaphore', value: 0 },
      ...Object.fromEntries(PHASES.map((p) => [`${p}Go`, { type: 'event' }])),
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'record', name: 'expectedTotal', value: expected },
          ...phase('unlocked'),
          ...lost('unlockedLost'),
          { op: 'write', var: 'counter', value: 0 },
          ...phase('locked'),
          ...lost('lockedLost'),
          ...phase('slots'),
          { op: 'read', var: 'slots', index: 0, into: 'first' },
          { op: 'record', name: 'firstSlot', value: ref('first') },
        ],
      },
      worker('unlocked'),
      worker('locked'),
      worker('slots'),
    ],
    claims: [
      {
        id: 'unlocked-loses-updates',
        text: { en: 'Without its lock, read-then-write on a shared Value loses updates', zh: '不拿它的锁，对共享 Value 先读后写会丢失更新' },
        when: { compare: [{ param: 'workers' }, '>=', 2] },
        check: { compare: [{ record: 'unlockedLost' }, '>', { const: 0 }] },
      },
      {
        id: 'locked-exact',
        text: { en: "Holding the Value's own lock around read and write, every increment counts, and the parent sees them all", zh: '在读和写外面拿住 Value 自己的锁，每次递增都算数，父进程全部看得到' },
        check: { all: [{ compare: [{ record: 'lockedLost' }, '==', { const: 0 }] }, { compare: [{ shared: 'counter' }, '==', { record: 'expectedTotal' }] }] },
      },
      {
        id: 'own-slots-exact',
        text: { en: 'A lock-free Array is exact when each process writes only its own element', zh: '每个进程只写自己的元素时，无锁 Array 也是准确的' },
        check: { all: [{ compare: [{ shared: 'slots', index: 0 }, '==', { const: { param: 'rounds' } }] }, { compare: [{ record: 'firstSlot' }, '==', { const: { param: 'rounds' } }] }] },
      },
    ],
  },
};
