import type { Lesson } from '../../model/lesson';
import type { AuthoredActor, AuthoredCheck, AuthoredStep, AuthoredValue } from '../../model/spec-schema';
import { gotCores } from '../spec-parts';

const ref = (name: string): AuthoredValue => ({ ref: name });
const since = (name: string): AuthoredValue => ({ sub: [{ now: 'ms' }, ref(name)] });
const PHASES = ['sequential', 'threads', 'processes'] as const;
type Phase = (typeof PHASES)[number];

/** One phase of main: start the group, wait until every member is ready, then time the work alone. */
const phase = (group: Phase, members: Extract<AuthoredStep, { op: 'repeat' }>['times']): AuthoredStep[] => [
  { op: 'mark', name: group },
  { op: 'spawn', actor: group },
  { op: 'repeat', times: members, steps: [{ op: 'acquire', prim: 'arrived' }] },
  { op: 'let', name: 't0', value: { now: 'ms' } },
  { op: 'let', name: 'cpu0', value: { cpu: 'ms' } },
  { op: 'set', prim: `${group}Go` },
  { op: 'join', actor: group },
  { op: 'record', name: `${group}Ms`, value: since('t0') },
  // CPU this process (main and its threads) got during the phase: whether threads really ran on more than one core.
  { op: 'record', name: `${group}CpuMs`, value: { sub: [{ cpu: 'ms' }, ref('cpu0')] } },
];

const gated = (group: Phase, work: AuthoredStep[]): AuthoredStep[] => [{ op: 'release', prim: 'arrived' }, { op: 'wait', prim: `${group}Go` }, ...work];
const compute: AuthoredStep = { op: 'compute', iterations: { param: 'cpuIterations' } };

/** read, pause, write: the increment `counter += 1` written out, with a pause where the interpreter may switch threads. */
const increment: AuthoredStep[] = [
  { op: 'read', var: 'counter', into: 'seen' },
  { op: 'sleep', ms: { param: 'pauseMs' } },
  { op: 'write', var: 'counter', value: { add: [ref('seen'), 1] } },
];
const racer = (name: string, locked: boolean): AuthoredActor => ({
  name,
  kind: 'thread',
  count: { param: 'racers' },
  autostart: false,
  program: [
    {
      op: 'repeat',
      times: { param: 'rounds' },
      steps: locked ? [{ op: 'acquire', prim: 'm' }, ...increment, { op: 'release', prim: 'm' }] : increment,
    },
  ],
});
const expected: AuthoredValue = { mul: [{ param: 'racers' }, { param: 'rounds' }] };
const race = (group: string): AuthoredStep[] => [
  { op: 'mark', name: group },
  { op: 'write', var: 'counter', value: 0 },
  { op: 'spawn', actor: group },
  { op: 'join', actor: group },
  { op: 'read', var: 'counter', into: 'final' },
  { op: 'record', name: `${group}Lost`, value: { sub: [expected, ref('final')] } },
];

const fasterThanSequential = (phaseRecord: string): AuthoredCheck => ({ compare: [{ record: 'sequentialMs' }, '>=', { record: phaseRecord }], factor: 1.5 });

export const gil: Lesson = {
  id: 'gil',
  chapter: 'threads',
  title: { en: 'The GIL: one interpreter lock', zh: 'GIL：解释器里的一把锁' },
  text: {
    teaches: {
      zh: 'CPython 的全局解释器锁（GIL）规定：同一时刻只有一个线程在执行 Python 字节码。计算密集的线程因此只能轮流运行：两个线程做两份计算，总耗时和一个线程依次做完两份差不多，只是多了切换的开销。进程各有自己的解释器和自己的 GIL，所以能真正同时用上多个核心。GIL 每隔一段“切换间隔”（sys.setswitchinterval，默认 5 毫秒）就让等待的线程有机会拿到锁。GIL 保护的是解释器自己的数据结构，不是你的程序：`counter += 1` 是“读、加、写”好几条字节码，线程可能在读和写之间被换下，另一个线程写入的结果随后被覆盖。所以即使有 GIL，不加锁的计数依然会丢失更新，加一把锁才准确。',
      en: "CPython's global interpreter lock (GIL) lets one thread at a time execute Python bytecode. CPU-bound threads therefore take turns: two threads doing two pieces of work take about as long as one thread doing both in a row, plus the cost of switching. Processes each have their own interpreter and their own GIL, so they really use several cores at once. Every switch interval (sys.setswitchinterval, 5 ms by default) the GIL gives a waiting thread its chance. The GIL protects the interpreter's own data structures, not your program: `counter += 1` is several bytecodes (read, add, write), a thread may be switched out between the read and the write, and the other thread's write is then overwritten. So even under the GIL an unlocked counter loses updates, and a lock makes it exact.",
    },
    watch: {
      zh: '三个计算阶段做同样多的工作：sequential 一个线程依次做 tasks 份，threads 由 tasks 个线程各做一份，processes 由 tasks 个进程各做一份。每个阶段先等所有参与者就绪再同时放行，只计工作时间（记录 sequentialMs、threadsMs、processesMs）；threadsCpuMs 是 threads 阶段进程得到的 CPU 时间：在 GIL 下它大约等于这一阶段的墙钟时间，也就是一个核心，而不是两个。在 CPython 上，threads 泳道交替推进，总时间接近 sequential；processes 泳道并排推进。运行环境里的 gil 字段说明这个解释器是否带 GIL（3.13 起的自由线程构建可以不带）。随后 racers 个线程各做 rounds 次“读—暂停—写”：unlockedLost 是丢失的更新数，lockedLost 是加锁后的丢失数。',
      en: 'The three CPU phases do the same work: sequential is one thread doing tasks pieces in a row, threads is tasks threads doing one each, processes is tasks processes doing one each. Each phase waits until all its actors are ready and lets them go together, so only the work is timed (records sequentialMs, threadsMs, processesMs); threadsCpuMs is the CPU the process got during the threads phase: under the GIL about the phase\'s wall time, one core, not two. On CPython the threads lanes advance in turns and the total is close to sequential; the processes lanes advance side by side. The gil field of the run\'s runtime says whether this interpreter has a GIL (free-threaded builds from 3.13 may run without one). Then racers threads each do rounds of read, pause, write: unlockedLost counts the updates lost, lockedLost those lost with a lock.',
    },
    pythonVsNode: {
      zh: 'Node 没有 GIL：每个 worker 线程是一个独立的 JavaScript 引擎实例，计算密集的线程像进程一样分布到多个核心，所以在 Node 上 threads 阶段和 processes 阶段一样快（这个论断只在 Node 上检查）。切换间隔是 CPython 独有的设置，Node 忽略它。丢失更新在两个运行时上都会发生：在 Node 上，线程真正并行地读写共享内存；在 CPython 上，线程在读和写之间被换下。Node 上一次计算的循环比 CPython 快约 50 倍，所以两个运行时各有自己的默认 cpuIterations（Node 1.5 亿次，CPython 300 万次），每份工作都约 0.2–0.3 秒：太少的工作在 Node 上只会测到新线程的 JIT 预热。',
      en: 'Node has no GIL: each worker thread is an engine instance of its own, so CPU-bound threads spread over the cores just like processes, and on Node the threads phase is as fast as the processes phase (a claim checked on Node only). The switch interval is a CPython setting; Node ignores it. Lost updates happen on both runtimes: on Node threads really read and write shared memory in parallel, on CPython a thread is switched out between its read and its write. A compute loop runs about 50× faster on Node than on CPython, so each runtime has its own default cpuIterations (150,000,000 on Node, 3,000,000 on CPython), each piece about 0.2–0.3 s: with too little work Node would measure only the JIT warming up in each new thread.',
    },
    tryNext: {
      zh: '设置 switchIntervalMs=0.05：线程切换得更频繁，threads 阶段反而更慢一点，但依然没有加速。设置 switchIntervalMs=100：一个线程可以连续运行更久，但总时间不变。设置 pauseMs=0：读和写之间不再睡眠，丢失的更新变少，却不一定为零——切换仍可能落在读和写之间。用自由线程构建（python3.13t）运行：gil 为 false，threads 阶段也能并行。',
      en: 'Set switchIntervalMs=0.05: threads switch far more often and the threads phase gets a little slower, still with no speed-up. Set switchIntervalMs=100: a thread runs longer at a stretch, the total stays the same. Set pauseMs=0: no sleep between the read and the write, fewer updates are lost, but not necessarily none, since a switch may still fall between them. Run it on a free-threaded build (python3.13t): gil is false and the threads phase runs in parallel too.',
    },
  },
  results: {
    kind: 'bars',
    title: { en: 'The same CPU work: one after another, in threads, in processes', zh: '同样的计算工作：依次执行、用线程、用进程' },
    rowHeader: { en: 'how it ran', zh: '执行方式' },
    columns: [
      { id: 'wall', label: { en: 'wall time', zh: '墙钟时间' }, unit: 'ms' },
      { id: 'cpu', label: { en: 'CPU time', zh: 'CPU 时间' }, unit: 'ms' },
    ],
    rows: [
      { label: { en: 'one after another', zh: '依次执行' }, cells: [{ record: 'sequentialMs' }, { record: 'sequentialCpuMs' }] },
      { label: { en: 'threads', zh: '线程' }, cells: [{ record: 'threadsMs' }, { record: 'threadsCpuMs' }] },
      { label: { en: 'processes', zh: '进程' }, cells: [{ record: 'processesMs' }, { record: 'processesCpuMs' }] },
    ],
    ratios: [
      { label: { en: 'speed-up of threads', zh: '线程的加速比' }, of: { record: 'sequentialMs' }, over: { record: 'threadsMs' } },
      { label: { en: 'speed-up of processes', zh: '进程的加速比' }, of: { record: 'sequentialMs' }, over: { record: 'processesMs' } },
    ],
  },
  presets: [
    { id: 'switch-often', label: { en: 'Switch every 0.05 ms', zh: '每 0.05 毫秒切换' }, params: { switchIntervalMs: 0.05 } },
    { id: 'switch-rarely', label: { en: 'Switch every 100 ms', zh: '每 100 毫秒切换' }, params: { switchIntervalMs: 100 } },
    { id: 'no-pause', label: { en: 'No pause between read and write', zh: '读写之间不停顿' }, params: { pauseMs: 0 } },
  ],
  questions: [
    {
      id: 'threads-faster',
      kind: 'choice',
      text: { en: 'Two threads each do the same CPU work. Are they at least 1.5× faster than doing both in a row?', zh: '两个线程各做同样的 CPU 计算。它们比一个接一个做完两份，至少快 1.5 倍吗？' },
      choices: [
        { id: 'yes', text: { en: 'Yes, at least 1.5× faster', zh: '是，至少快 1.5 倍' }, when: '>=1.5' },
        { id: 'no', text: { en: 'No, about the same', zh: '不是，差不多' }, when: '<1.5' },
      ],
      answerFrom: { ratio: [{ record: 'sequentialMs' }, { record: 'threadsMs' }] },
      why: {
        en: 'Under CPython’s GIL only one thread executes bytecode at a time, so CPU-bound threads take turns: no faster. Node worker threads (and free-threaded CPython) have no GIL and really run in parallel.',
        zh: 'CPython 有 GIL，同一时刻只有一个线程执行字节码，CPU 密集的线程只能轮流跑：并不更快。Node 的 worker 线程（以及无 GIL 的 CPython）没有这把锁，能真正并行。',
      },
    },
    {
      id: 'processes-faster',
      kind: 'choice',
      text: { en: 'And two processes: at least 1.5× faster than in a row?', zh: '换成两个进程呢：比一个接一个至少快 1.5 倍吗？' },
      choices: [{ id: 'yes', text: { en: 'Yes', zh: '是' }, when: '>=1.5' }, { id: 'no', text: { en: 'No', zh: '不是' }, when: '<1.5' }],
      answerFrom: { ratio: [{ record: 'sequentialMs' }, { record: 'processesMs' }] },
      why: {
        en: 'Each process has its own interpreter (and its own GIL), so with two free cores they really compute at once.',
        zh: '每个进程都有自己的解释器（也有自己的 GIL），有两个空闲核心时就能真正同时计算。',
      },
    },
    {
      id: 'race-under-gil',
      kind: 'choice',
      text: { en: 'Does the GIL make an unlocked read-then-write on a shared counter safe?', zh: 'GIL 能让不加锁的“先读后写”共享计数器变得安全吗？' },
      choices: [
        { id: 'safe', text: { en: 'Yes, no update is lost', zh: '能，一次更新都不丢' }, when: '<=0' },
        { id: 'lost', text: { en: 'No, updates are lost', zh: '不能，会丢更新' }, when: '>0' },
      ],
      answerFrom: { record: 'unlockedLost' },
      why: { en: 'The GIL protects the interpreter, not your code: a thread can be switched out between its read and its write.', zh: 'GIL 保护的是解释器，不是你的代码：线程可能在读和写之间被切换出去。' },
    },
  ],
  spec: {
    version: 1,
    id: 'gil',
    title: { en: 'The same CPU work sequentially, on threads and on processes; a race under the GIL', zh: '同样的计算：依次、线程、进程；GIL 下的竞争' },
    params: {
      tasks: { type: 'integer', default: 2, min: 2, max: 8, description: { en: 'pieces of CPU work (threads, processes)', zh: '计算工作的份数（线程数、进程数）' } },
      cpuIterations: {
        type: 'integer',
        // Node's default; CPython runs 3,000,000 unless set (lessons/cpython-params.ts): its loop is some 50× slower.
        default: 150_000_000,
        min: 100_000,
        max: 5_000_000_000,
        description: {
          en: 'loop iterations of one piece (about 0.2 s on Node; on CPython 3,000,000 unless set, about 0.3 s)',
          zh: '一份工作的循环次数（Node 上约 0.2 秒；CPython 上未设置时为 3,000,000，约 0.3 秒）',
        },
      },
      switchIntervalMs: { type: 'number', default: 5, min: 0.01, max: 100, description: { en: "CPython's switch interval (sys.setswitchinterval), in ms", zh: 'CPython 的切换间隔（sys.setswitchinterval），毫秒' } },
      racers: { type: 'integer', default: 4, min: 2, max: 50, description: { en: 'threads in the race', zh: '参与竞争的线程数' } },
      rounds: { type: 'integer', default: 10, min: 1, max: 1_000, description: { en: 'increments per racing thread', zh: '每个线程的递增次数' } },
      pauseMs: { type: 'number', default: 1, min: 0, max: 100, description: { en: 'pause between the read and the write', zh: '读和写之间的暂停' } },
    },
    cpython: { switchIntervalMs: { param: 'switchIntervalMs' } },
    shared: { counter: { scope: 'shared', initial: 0 } },
    primitives: {
      arrived: { type: 'semaphore', value: 0 },
      m: { type: 'mutex' },
      ...Object.fromEntries(PHASES.map((p) => [`${p}Go`, { type: 'event' }])),
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [...phase('sequential', 1), ...phase('threads', { param: 'tasks' }), ...phase('processes', { param: 'tasks' }), ...race('unlocked'), ...race('locked')],
      },
      { name: 'sequential', kind: 'thread', autostart: false, program: gated('sequential', [{ op: 'repeat', times: { param: 'tasks' }, steps: [compute] }]) },
      { name: 'threads', kind: 'thread', count: { param: 'tasks' }, autostart: false, program: gated('threads', [compute]) },
      {
        name: 'processes',
        kind: 'process',
        count: { param: 'tasks' },
        autostart: false,
        program: gated('processes', [
          { op: 'let', name: 'c0', value: { cpu: 'ms' } },
          compute,
          { op: 'record', name: 'processWorkCpuMs', value: { sub: [{ cpu: 'ms' }, ref('c0')] } },
        ]),
      },
      racer('unlocked', false),
      racer('locked', true),
    ],
    claims: [
      {
        id: 'threads-take-turns',
        text: {
          en: 'Under the GIL, CPU-bound threads take turns: while they compute, the process never gets more than about one core (at most 1.25 × the phase\'s wall time in CPU)',
          zh: '在 GIL 下，计算密集的线程只能轮流运行：它们计算期间，进程得到的 CPU 不超过大约一个核心（CPU 时间至多是这一阶段墙钟时间的 1.25 倍）',
        },
        requires: { runtime: 'cpython', gil: true },
        check: { compare: [{ record: 'threadsCpuMs' }, '<=', { record: 'threadsMs' }], factor: 1.25 },
      },
      {
        id: 'threads-no-faster',
        text: {
          en: 'Under the GIL, CPU work on threads is at most 1.25× faster than the same work done sequentially',
          zh: '在 GIL 下，用线程做计算最多比依次做快 1.25 倍',
        },
        requires: { runtime: 'cpython', gil: true },
        // Wall times compare only when the machine gave the sequential phase most of a core: on a crowded
        // machine it may have got less than the threads phase did, and the ratio says nothing about the GIL.
        // 0.9, not less: with 0.8 of a core the sequential phase alone is 1/0.8 = 1.25× slower than with a
        // whole one, exactly the bound, so load could fail the claim with no help from the threads.
        // And only when that core ran as fast as the threads phase's: the same work took at most 1.1× the
        // CPU time it took on the threads. A core shared with another busy process on the machine (its
        // sibling hyperthread, its caches) runs slower with no sign of it in CPU time but this one: one run
        // under load had the sequential phase take 755 ms with most of a core, the threads phase 522 ms.
        // On a quiet machine the threads take 1.0-1.4× the sequential CPU (they also contend for the GIL).
        given: {
          all: [
            { compare: [{ record: 'sequentialCpuMs' }, '>=', { record: 'sequentialMs' }], factor: 0.9 },
            { compare: [{ record: 'sequentialCpuMs' }, '<=', { record: 'threadsCpuMs' }], factor: 1.1 },
          ],
        },
        check: { compare: [{ record: 'sequentialMs' }, '<=', { record: 'threadsMs' }], factor: 1.25 },
      },
      {
        id: 'processes-parallel',
        text: { en: 'CPU work on processes is at least 1.5× faster than sequentially: each process has its own interpreter', zh: '用进程做计算至少比依次做快 1.5 倍：每个进程有自己的解释器' },
        requires: { minCores: 2 },
        given: gotCores({ record: 'processWorkCpuMs', agg: 'sum' }, 'processesMs', 'sequentialCpuMs'),
        check: fasterThanSequential('processesMs'),
      },
      {
        id: 'threads-parallel-without-gil',
        text: { en: 'Without a GIL (a free-threaded CPython build), CPU work on threads is at least 1.5× faster than sequentially', zh: '没有 GIL 时（自由线程构建的 CPython），用线程做计算至少比依次做快 1.5 倍' },
        requires: { minCores: 2, runtime: 'cpython', gil: false },
        given: gotCores({ record: 'threadsCpuMs' }, 'threadsMs', 'sequentialCpuMs'),
        check: fasterThanSequential('threadsMs'),
      },
      {
        id: 'node-threads-parallel',
        text: { en: 'On Node, CPU work on worker threads is at least 1.5× faster than sequentially: there is no GIL', zh: '在 Node 上，用 worker 线程做计算至少比依次做快 1.5 倍：没有 GIL' },
        requires: { minCores: 2, runtime: 'node' },
        given: gotCores({ record: 'threadsCpuMs' }, 'threadsMs', 'sequentialCpuMs'),
        check: fasterThanSequential('threadsMs'),
      },
      {
        id: 'race-loses-updates',
        text: { en: 'The GIL does not make read-then-write safe: without a lock, updates are lost', zh: 'GIL 并不能让“先读后写”变安全：不加锁就会丢失更新' },
        check: { compare: [{ record: 'unlockedLost' }, '>', { const: 0 }] },
      },
      {
        id: 'lock-exact',
        text: { en: 'With a lock around read and write, no update is lost', zh: '用锁把读和写包起来，一次更新都不会丢' },
        check: { compare: [{ record: 'lockedLost' }, '==', { const: 0 }] },
      },
    ],
  },
};
