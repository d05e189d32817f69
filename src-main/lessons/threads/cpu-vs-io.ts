import type { Lesson } from '../../model/lesson';
import type { AuthoredActor, AuthoredCheck, AuthoredStep, AuthoredValue } from '../../model/spec-schema';
import { gotCores } from '../spec-parts';

const ref = (name: string): AuthoredValue => ({ ref: name });
const since = (name: string): AuthoredValue => ({ sub: [{ now: 'ms' }, ref(name)] });
const GROUPS = ['cpuTask', 'cpuThread', 'cpuProcess', 'ioTask', 'ioThread', 'ioProcess'] as const;
type Group = (typeof GROUPS)[number];
const goEvent = (group: Group) => `${group}Go`;

/**
 * One phase of main. Starting actors and running them are timed apart: main waits until every actor
 * of the group has started (each releases "arrived" once), then opens the group's gate and times the
 * work alone. Start-up costs are recorded too, and claimed separately.
 */
const phase = (group: Group): AuthoredStep[] => [
  { op: 'mark', name: group },
  { op: 'let', name: 't0', value: { now: 'ms' } },
  { op: 'let', name: 'cpu0', value: { cpu: 'ms' } },
  { op: 'spawn', actor: group },
  { op: 'repeat', times: { param: 'tasks' }, steps: [{ op: 'acquire', prim: 'arrived' }] },
  { op: 'record', name: `${group}StartMs`, value: since('t0') },
  // CPU the runner's process spent while the group started: for threads, their whole start-up.
  { op: 'record', name: `${group}StartCpuMs`, value: { sub: [{ cpu: 'ms' }, ref('cpu0')] } },
  { op: 'let', name: 't1', value: { now: 'ms' } },
  { op: 'let', name: 'cpu1', value: { cpu: 'ms' } },
  { op: 'set', prim: goEvent(group) },
  { op: 'join', actor: group },
  { op: 'record', name: `${group}Ms`, value: since('t1') },
  // CPU the runner's process (main, tasks and threads together) got during the phase.
  { op: 'record', name: `${group}CpuMs`, value: { sub: [{ cpu: 'ms' }, ref('cpu1')] } },
  { op: 'record', name: `${group}TotalMs`, value: since('t0') },
];

const gated = (group: Group, work: AuthoredStep[]): AuthoredStep[] => [{ op: 'release', prim: 'arrived' }, { op: 'wait', prim: goEvent(group) }, ...work];
const cpuWork: AuthoredStep[] = [{ op: 'compute', iterations: { param: 'cpuIterations' } }];
/** A process measures the CPU its own computation used (its start-up excluded). */
const cpuWorkMeasured: AuthoredStep[] = [
  { op: 'let', name: 'c0', value: { cpu: 'ms' } },
  ...cpuWork,
  { op: 'record', name: 'cpuProcessWorkCpuMs', value: { sub: [{ cpu: 'ms' }, ref('c0')] } },
];
const ioWork: AuthoredStep[] = [{ op: 'sleep', ms: { param: 'ioMs' } }];

/** A process's own CPU when its program begins: what starting a Node process cost it. */
const bootCpu = (name: Group): AuthoredStep[] => (name.endsWith('Process') ? [{ op: 'record', name: `${name}BootCpuMs`, value: { cpu: 'ms' } }] : []);

const group = (name: Group, kind: AuthoredActor['kind']): AuthoredActor => ({
  name,
  kind,
  count: { param: 'tasks' },
  autostart: false,
  program: [...bootCpu(name), ...gated(name, name === 'cpuProcess' ? cpuWorkMeasured : name.startsWith('cpu') ? cpuWork : ioWork)],
});

/** Threads or processes at least 1.5× faster than async tasks on the same CPU work. */
const fasterThanAsync = (phaseRecord: string): AuthoredCheck => ({ compare: [{ record: 'cpuTaskMs' }, '>=', { record: phaseRecord }], factor: 1.5 });
/** An IO phase takes about one wait, far less than the waits one after another. */
const oneWait = (phaseRecord: string): AuthoredCheck => ({
  all: [
    { compare: [{ record: phaseRecord }, '>=', { const: { param: 'ioMs' } }], factor: 0.98 },
    { compare: [{ record: phaseRecord }, '<', { const: { param: 'ioMs' } }], plus: 200 },
  ],
});

export const cpuVsIo: Lesson = {
  id: 'cpu-vs-io',
  chapter: 'threads',
  title: { en: 'CPU-bound or IO-bound: processes, threads or async tasks', zh: '计算密集还是 IO 密集：进程、线程还是异步任务' },
  text: {
    teaches: {
      en: 'Whether concurrency speeds a job up depends on what the job waits for. CPU-bound work (pure computation) gets faster only with more cores actually computing at once: async tasks share one thread and take the sum of their times, while threads and processes spread over the cores. IO-bound work (here, sleeping as a stand-in for waiting on a disk or a network) needs no core while it waits, so every kind of concurrency overlaps the waits and finishes in about one wait. The same four CPU tasks and four waiting tasks run here as processes, as threads and as async tasks, side by side.',
      zh: '并发能否让工作变快，取决于工作在等什么。计算密集型工作（纯计算）只有在更多核心同时计算时才会变快：异步任务共用一个线程，耗时是各自时间之和；线程和进程则能分布到多个核心上。IO 密集型工作（这里用睡眠代替等待磁盘或网络）在等待时不占用核心，所以任何一种并发都能让等待相互重叠，大约一次等待的时间就完成。这里把同样的四个计算任务和四个等待任务，分别以进程、线程和异步任务运行，并排比较。',
    },
    watch: {
      en: 'Each phase first starts its four actors and waits until all of them are ready, then lets them go at once, so that the work is timed apart from the start-up. In the CPU phases the async task lanes compute one after another on the runner\'s thread, while the thread and process lanes compute side by side. In the IO phases all four lanes of each kind sleep together. The records cpuTaskMs, cpuThreadMs, cpuProcessMs, ioTaskMs, ioThreadMs and ioProcessMs time the work; the records ending in StartMs time the start-up, those ending in StartCpuMs and BootCpuMs give the CPU it took, and those ending in TotalMs time start-up and work together. On a busy machine the CPU phases say more about the other programs than about threads: they take the cores away, and on Linux each child process here is scheduled as a group of its own, so processes can get a larger share of a crowded machine than the threads of one process. When a phase got less than 1.6 cores of CPU, the lab calls its speed-up claim inconclusive and shows the share it measured.',
      zh: '每个阶段先启动四个参与者，等它们全部就绪后再同时放行，这样工作的耗时与启动的耗时分开计算。在计算阶段，异步任务泳道在运行器的线程上一个接一个地计算，而线程和进程泳道并排同时计算。在 IO 阶段，每种类型的四条泳道一起睡眠。记录 cpuTaskMs、cpuThreadMs、cpuProcessMs、ioTaskMs、ioThreadMs 和 ioProcessMs 是工作的耗时；以 StartMs 结尾的记录是启动的耗时，以 StartCpuMs 和 BootCpuMs 结尾的记录是启动消耗的 CPU，以 TotalMs 结尾的是两者之和。在繁忙的机器上，计算阶段的结果更多反映的是其他程序，而不是线程本身：它们占走了核心；而且在 Linux 上，这里的每个子进程都作为独立的一组被调度，所以在拥挤的机器上，进程可能比同一进程内的线程分到更多的 CPU。当某个阶段得到的 CPU 少于 1.6 个核心时，实验室会把该阶段的加速论断判为“无法判断”，并给出测得的份额。',
    },
    pythonVsNode: {
      en: 'In CPython the GIL lets only one thread run Python code at a time, so threads behave like the async tasks here on CPU work, and only processes use more cores. Node worker threads have no such lock: each is its own engine instance, so threads scale across cores just like processes, at a lower start-up cost. For IO, Python\'s advice "use threads, they are cheap" rests on CPython threads starting in well under a millisecond; a Node worker takes tens of milliseconds and a Node process about a hundred, so in Node the cheapest way to overlap waits is async tasks on the one event loop, which start at almost no cost. Run the lesson with --runtime both to see the two side by side: some claims here describe one runtime and are inconclusive on the other. On CPython give cpuIterations about 3000000, since its compute loop runs as bytecode, some 50 times slower than on Node.',
      zh: '在 CPython 中，GIL 让同一时刻只有一个线程执行 Python 代码，所以在计算任务上线程的表现和这里的异步任务一样，只有进程能用上更多核心。Node 的 worker 线程没有这样的锁：每个线程都是独立的引擎实例，所以线程和进程一样能扩展到多个核心，而且启动开销更低。对于 IO，Python 的建议“用线程，它们便宜”建立在 CPython 线程启动远不到一毫秒的基础上；而 Node 的 worker 要几十毫秒，Node 进程要一百毫秒左右，所以在 Node 中重叠等待最便宜的方式是在同一个事件循环上跑异步任务，它们几乎不需要启动开销。用 --runtime both 运行本课可以并排看到两种运行时：这里有些论断只描述其中一种运行时，在另一种上判为“无法判断”。在 CPython 上请把 cpuIterations 设为约 3000000，因为它的计算循环以字节码执行，比 Node 慢约 50 倍。',
    },
    tryNext: {
      en: 'Set tasks=2: on two cores threads and processes now need about one task\'s time, a speed-up close to 2×. Set cpuIterations=10000000 (about 15 ms of work) and compare the TotalMs records: start-up now outweighs the work, and the async tasks, which cost nothing to start, finish first. Set ioMs=1000: every IO phase stretches to about one second, whatever the kind.',
      zh: '设置 tasks=2：在两个核心上，线程和进程大约只需一个任务的时间，加速接近 2 倍。设置 cpuIterations=10000000（约 15 毫秒的工作量），再比较以 TotalMs 结尾的记录：此时启动开销超过了工作本身，几乎没有启动开销的异步任务反而最先完成。设置 ioMs=1000：无论哪种类型，每个 IO 阶段都延长到约一秒。',
    },
  },
  results: {
    kind: 'bars',
    title: { en: 'Time of each phase, by kind of work and of actor', zh: '各阶段耗时：按工作类型和参与者类型' },
    rowHeader: { en: 'actors', zh: '参与者' },
    columns: [
      { id: 'cpu', label: { en: 'CPU-bound work', zh: '计算密集型工作' }, unit: 'ms' },
      { id: 'io', label: { en: 'I/O-bound work', zh: 'IO 密集型工作' }, unit: 'ms' },
    ],
    rows: [
      { label: { en: 'async tasks', zh: '异步任务' }, cells: [{ record: 'cpuTaskMs' }, { record: 'ioTaskMs' }] },
      { label: { en: 'threads', zh: '线程' }, cells: [{ record: 'cpuThreadMs' }, { record: 'ioThreadMs' }] },
      { label: { en: 'processes', zh: '进程' }, cells: [{ record: 'cpuProcessMs' }, { record: 'ioProcessMs' }] },
    ],
    ratios: [
      { label: { en: 'CPU work: speed-up of threads over async tasks', zh: '计算工作：线程相对异步任务的加速比' }, of: { record: 'cpuTaskMs' }, over: { record: 'cpuThreadMs' } },
      { label: { en: 'CPU work: speed-up of processes over async tasks', zh: '计算工作：进程相对异步任务的加速比' }, of: { record: 'cpuTaskMs' }, over: { record: 'cpuProcessMs' } },
      { label: { en: 'I/O work: speed-up of threads over async tasks', zh: 'IO 工作：线程相对异步任务的加速比' }, of: { record: 'ioTaskMs' }, over: { record: 'ioThreadMs' } },
    ],
  },
  presets: [
    { id: 'two-tasks', label: { en: 'Two tasks', zh: '两个任务' }, params: { tasks: 2 } },
    { id: 'little-cpu-work', label: { en: 'Little CPU work', zh: '计算量很小' }, params: { cpuIterations: 10_000_000 } },
    { id: 'one-second-io', label: { en: 'One second of IO', zh: '一秒的 IO' }, params: { ioMs: 1000 } },
  ],
  questions: [
    {
      id: 'threads-vs-processes',
      kind: 'choice',
      text: { en: 'Will threads beat processes on this CPU work?', zh: '在这份 CPU 计算上，线程会比进程快吗？' },
      choices: [
        { id: 'threads', text: { en: 'Yes, threads are faster', zh: '会，线程更快' }, when: '<1' },
        { id: 'processes', text: { en: 'No, processes are as fast or faster', zh: '不会，进程一样快或更快' }, when: '>=1' },
      ],
      answerFrom: { ratio: [{ record: 'cpuThreadMs' }, { record: 'cpuProcessMs' }] },
      why: {
        en: 'On Node both spread over the cores (no GIL), and a worker thread starts more cheaply than a process, so on an idle machine threads usually win by a little; on a crowded one processes can win, since Linux schedules each child process as a group of its own. On CPython the GIL lets one thread compute at a time, and processes win clearly.',
        zh: '在 Node 上两者都能分布到多个核心（没有 GIL），而 worker 线程比进程启动得便宜，所以机器空闲时通常线程略胜一筹；机器繁忙时进程反而可能更快，因为 Linux 把每个子进程当作单独的一组来调度。在 CPython 上，GIL 让同一时刻只有一个线程在计算，进程明显更快。',
      },
    },
    {
      id: 'threads-vs-tasks',
      kind: 'choice',
      text: { en: 'Are threads at least 1.5× faster than async tasks on the CPU work?', zh: '在 CPU 计算上，线程比异步任务至少快 1.5 倍吗？' },
      choices: [{ id: 'yes', text: { en: 'Yes, at least 1.5× faster', zh: '是，至少快 1.5 倍' }, when: '>=1.5' }, { id: 'no', text: { en: 'No', zh: '不是' }, when: '<1.5' }],
      answerFrom: { ratio: [{ record: 'cpuTaskMs' }, { record: 'cpuThreadMs' }] },
      why: {
        en: 'Async tasks share one thread and compute one after another; threads run on several cores at once — where the machine has more than one core free (and there is no GIL).',
        zh: '异步任务共用一个线程，只能一个接一个地算；线程可以同时跑在多个核心上——前提是机器有不止一个空闲核心（并且没有 GIL）。',
      },
    },
    {
      id: 'io-task-ms',
      kind: 'number',
      text: { en: 'Four async tasks each wait 300 ms for IO. How many ms does the IO phase take?', zh: '四个异步任务各等 300 毫秒的 IO。IO 阶段要多少毫秒？' },
      unit: 'ms',
      min: 0,
      max: 600000,
      answerFrom: { record: 'ioTaskMs' },
      tolerance: { relative: 0.3 },
      why: {
        en: 'A waiting task needs no core: the loop runs the others meanwhile, so the four waits overlap into about one, 300 ms.',
        zh: '等待中的任务不占用核心：事件循环趁机运行其他任务，四次等待重叠成大约一次，300 毫秒。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'cpu-vs-io',
    title: { en: 'Four CPU tasks and four waiting tasks, three ways', zh: '四个计算任务和四个等待任务，三种方式' },
    params: {
      tasks: { type: 'integer', default: 4, min: 2, max: 8, description: { en: 'tasks in each phase', zh: '每个阶段的任务数' } },
      cpuIterations: {
        type: 'integer',
        default: 250_000_000,
        min: 1_000_000,
        max: 5_000_000_000,
        description: { en: 'loop iterations of one CPU task (about 0.35 s on our machines)', zh: '一个计算任务的循环次数（在我们的机器上约 0.35 秒）' },
      },
      ioMs: { type: 'integer', default: 300, min: 10, max: 5000, description: { en: 'how long one IO task waits', zh: '一个 IO 任务等待多久' } },
    },
    primitives: {
      arrived: { type: 'semaphore', value: 0 },
      ...Object.fromEntries(GROUPS.map((g) => [goEvent(g), { type: 'event' }])),
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: GROUPS.flatMap(phase),
      },
      group('cpuTask', 'task'),
      group('cpuThread', 'thread'),
      group('cpuProcess', 'process'),
      group('ioTask', 'task'),
      group('ioThread', 'thread'),
      group('ioProcess', 'process'),
    ],
    claims: [
      {
        id: 'cpu-async-one-at-a-time',
        text: {
          en: 'CPU work as async tasks runs one task at a time (they share one thread), so the phase takes the sum of their times',
          zh: '以异步任务执行计算工作时一次只运行一个任务（它们共用一个线程），所以这一阶段的耗时是各任务时间之和',
        },
        check: {
          all: [
            { compare: [{ actors: 'cpuTask', field: 'threadId', agg: 'distinct' }, '==', { const: 1 }] },
            { compare: [{ actors: 'cpuTask', field: 'threadId', agg: 'first' }, '==', { runner: 'threadId' }] },
            // The last task began computing only after the first had finished.
            { before: [{ event: { op: 'compute', ph: 'E', actor: 'cpuTask' }, pick: 'first' }, { event: { op: 'compute', ph: 'B', actor: 'cpuTask' }, pick: 'last' }] },
          ],
        },
      },
      {
        id: 'cpu-threads-parallel',
        text: { en: 'CPU work as threads is at least 1.5× faster than as async tasks', zh: '以线程执行计算工作，比异步任务至少快 1.5 倍' },
        // Node's worker threads each have an engine of their own; CPython's threads share one GIL (next claim).
        requires: { minCores: 2, runtime: 'node' },
        given: gotCores({ record: 'cpuThreadCpuMs' }, 'cpuThreadMs', 'cpuTaskCpuMs'),
        check: fasterThanAsync('cpuThreadMs'),
      },
      {
        id: 'cpu-threads-gil',
        text: {
          en: 'On CPython the GIL runs one thread\'s Python code at a time: the CPU threads together never get more than 1.25 cores, so they are at most 1.25× faster than the same work done one task after another',
          zh: '在 CPython 上 GIL 同一时刻只让一个线程执行 Python 代码：这些计算线程合起来从未得到超过 1.25 个核心，所以最多比一个接一个地做同样的工作快 1.25 倍',
        },
        // A free-threaded build (cpython-nogil) has no GIL to hold the threads back: the claim is not about it.
        requires: { runtime: 'cpython', gil: true },
        // CPU time against wall time: other programs on the machine can only lower the share, never raise it.
        check: { compare: [{ record: 'cpuThreadCpuMs' }, '<=', { record: 'cpuThreadMs' }], factor: 1.25 },
      },
      {
        id: 'cpu-processes-parallel',
        text: { en: 'CPU work as processes is at least 1.5× faster than as async tasks', zh: '以进程执行计算工作，比异步任务至少快 1.5 倍' },
        requires: { minCores: 2 },
        given: gotCores({ record: 'cpuProcessWorkCpuMs', agg: 'sum' }, 'cpuProcessMs', 'cpuTaskCpuMs'),
        check: fasterThanAsync('cpuProcessMs'),
      },
      {
        id: 'io-one-wait',
        text: { en: 'IO waits overlap in every kind: each IO phase takes about one wait, not the waits added up', zh: '每种类型都能让 IO 等待重叠：每个 IO 阶段约为一次等待，而不是所有等待相加' },
        check: { all: [oneWait('ioTaskMs'), oneWait('ioThreadMs'), oneWait('ioProcessMs')] },
      },
      {
        id: 'process-start-costlier',
        text: {
          en: 'Starting a process costs measurably more CPU than starting a thread (at least 1.25×): a process boots a whole Node runtime, a thread only a JavaScript engine',
          zh: '启动进程消耗的 CPU 明显多于启动线程（至少 1.25 倍）：进程要启动整个 Node 运行时，线程只需启动一个 JavaScript 引擎',
        },
        // CPU time, not waiting time: a busy machine delays both kinds of start-up, but does not change the work each one is.
        // A CPython process is forked from the interpreter: it boots nothing (see threads-start-cheaply).
        requires: { runtime: 'node' },
        check: { compare: [{ record: 'ioProcessBootCpuMs', agg: 'sum' }, '>=', { record: 'ioThreadStartCpuMs' }], factor: 1.25 },
      },
      {
        id: 'tasks-cheapest-for-io',
        text: { en: 'For IO, async tasks are the cheapest way to overlap: start plus wait is shortest with them', zh: '对于 IO，异步任务是最便宜的重叠方式：启动加等待的总时间最短' },
        // A CPython thread starts in well under a millisecond: there threads and tasks are about as cheap.
        requires: { runtime: 'node' },
        check: {
          all: [
            { compare: [{ record: 'ioTaskTotalMs' }, '<', { record: 'ioThreadTotalMs' }] },
            { compare: [{ record: 'ioTaskTotalMs' }, '<', { record: 'ioProcessTotalMs' }] },
          ],
        },
      },
      {
        id: 'threads-start-cheaply',
        text: {
          en: 'On CPython threads are the cheap way to overlap waits: starting the IO processes costs at least twice the CPU that starting the IO threads does',
          zh: '在 CPython 上线程是重叠等待的便宜方式：启动 IO 进程消耗的 CPU 至少是启动 IO 线程的两倍',
        },
        requires: { runtime: 'cpython' },
        // CPU, not waiting time, as in process-start-costlier: a busy machine delays both kinds of start-up.
        check: { compare: [{ record: 'ioProcessStartCpuMs' }, '>=', { record: 'ioThreadStartCpuMs' }], factor: 2 },
      },
    ],
  },
};
