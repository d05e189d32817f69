import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

export const processPoolCallback: Lesson = {
  id: 'process-pool-callback',
  chapter: 'processes',
  title: { en: 'A process pool with callbacks', zh: '带回调的进程池' },
  text: {
    teaches: {
      en: 'A pool keeps a fixed number of worker processes and feeds them tasks from a queue, so ten tasks never need ten processes. Each task here adds 100 to its number after a short pause. A callback given with the task runs when the task is done — not in the worker, but back in the program that submitted it, with the task\'s result.',
      zh: '进程池维持固定数量的工作进程，并从队列中把任务分给它们，所以十个任务并不需要十个进程。这里每个任务停顿一下后把自己的数字加 100。提交任务时给出的回调在任务完成后运行——不是在工作进程里，而是回到提交任务的程序中，并拿到任务的结果。',
    },
    watch: {
      en: 'Five worker lanes take tasks in turn; never more than five "task" spans overlap. The callbacks lane belongs to the runner\'s own process: compare its pid with the workers\'.',
      zh: '五条工作泳道轮流领取任务；重叠的 task 区段从不超过五个。回调泳道属于运行器自己的进程：把它的 pid 和工作进程的对比一下。',
    },
    pythonVsNode: {
      en: 'multiprocessing.Pool(5).apply_async(f, (i,), callback=cb) runs f in a worker and cb in a helper thread of the main process, handing it the value. The lab\'s pool is the same shape: worker processes are forked Node processes, and callbacks run on the runner\'s event loop (they receive the value as arg, and the future as future). On CPython the lab uses concurrent.futures.ProcessPoolExecutor, whose add_done_callback runs the callback on the executor\'s result-handler thread: the same process as main, another thread.',
      zh: 'multiprocessing.Pool(5).apply_async(f, (i,), callback=cb) 在工作进程中运行 f，在主进程的一个辅助线程中运行 cb，并把结果值交给它。实验室的进程池形状相同：工作进程是 fork 出来的 Node 进程，回调在运行器的事件循环中运行（通过 arg 拿到值，通过 future 拿到 future）。在 CPython 上，实验室使用 concurrent.futures.ProcessPoolExecutor，它的 add_done_callback 在执行器的结果处理线程上运行回调：与 main 同一个进程，但是另一个线程。',
    },
    tryNext: {
      en: 'Set size=2: the same ten tasks take about two and a half times longer, and at most two run at once. Set tasks=20: the workers are reused; no new process starts.',
      zh: '设置 size=2：同样的十个任务耗时约为原来的两倍半，并且同时最多运行两个。设置 tasks=20：工作进程被复用，不会启动新进程。',
    },
  },
  presets: [
    { id: 'pool-of-two', label: { en: 'A pool of two', zh: '两个进程的池' }, params: { size: 2 } },
    { id: 'twenty-tasks', label: { en: 'Twenty tasks', zh: '二十个任务' }, params: { tasks: 20 } },
  ],
  questions: [
    {
      id: 'max-running',
      kind: 'number',
      text: { en: 'A pool of 5 worker processes gets 10 tasks. At most how many tasks run at the same time?', zh: '一个有 5 个工作进程的池子收到 10 个任务。同一时刻最多有几个任务在运行？' },
      min: 0,
      max: 1000,
      answerFrom: { metric: 'pool.pool.maxRunning' },
      tolerance: { absolute: 0 },
      why: { en: 'A pool never runs more tasks than it has workers: the other tasks wait in its queue.', zh: '池子同时运行的任务数不会超过工作进程数：其余任务在队列里等着。' },
    },
    {
      id: 'callback-where',
      kind: 'choice',
      text: { en: 'Where does each task\'s callback run?', zh: '每个任务的回调在哪里运行？' },
      choices: [
        { id: 'yes', text: { en: 'Back in the program that submitted the task', zh: '回到提交任务的那个程序里' }, when: '>=0.5' },
        { id: 'no', text: { en: 'In the worker process that ran the task', zh: '在执行任务的工作进程里' }, when: '<0.5' },
      ],
      answerFrom: { claim: 'callbacks-in-runner' },
      why: {
        en: 'The worker only computes the result and sends it back; the callback runs in the submitting program, with that result.',
        zh: '工作进程只负责算出结果并送回；回调在提交任务的程序里运行，拿到的就是这个结果。',
      },
    },
  ],
  spec: {
    version: 1,
    id: 'process-pool-callback',
    title: { en: 'Pool(5), ten tasks, callbacks', zh: 'Pool(5)、十个任务、回调' },
    params: {
      size: { type: 'integer', default: 5, min: 1, max: 16 },
      tasks: { type: 'integer', default: 10, min: 1, max: 50 },
      workMs: { type: 'integer', default: 150, min: 0, max: 2000 },
    },
    functions: {
      plus100: { steps: [{ op: 'sleep', ms: { param: 'workMs' } }, { op: 'return', value: { add: [ref('arg'), 100] } }] },
      collect: {
        steps: [
          { op: 'record', name: 'result', value: ref('arg') },
          { op: 'record', name: 'callbackPid', value: { self: 'pid' } },
          { op: 'record', name: 'callbackThread', value: { self: 'threadId' } },
          { op: 'log', message: 'callback got {v}', values: { v: ref('arg') } },
        ],
      },
    },
    pools: { pool: { kind: 'process', size: { param: 'size' } } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'let', name: 'i', value: 0 },
          {
            op: 'repeat',
            times: { param: 'tasks' },
            steps: [
              { op: 'submit', pool: 'pool', function: 'plus100', arg: ref('i'), callback: 'collect' },
              { op: 'let', name: 'i', value: { add: [ref('i'), 1] } },
            ],
          },
          { op: 'shutdown', pool: 'pool', wait: true },
          { op: 'record', name: 'expectedSum', value: { add: [{ mul: [{ param: 'tasks' }, 100] }, { div: [{ mul: [{ param: 'tasks' }, { sub: [{ param: 'tasks' }, 1] }] }, 2] }] } },
        ],
      },
    ],
    claims: [
      {
        id: 'all-results',
        text: { en: 'Every task\'s result reached a callback: i + 100 for each i', zh: '每个任务的结果都到达了回调：每个 i 得到 i + 100' },
        check: {
          all: [
            { compare: [{ record: 'result', agg: 'count' }, '==', { const: { param: 'tasks' } }] },
            { compare: [{ record: 'result', agg: 'distinct' }, '==', { const: { param: 'tasks' } }] },
            { compare: [{ record: 'result', agg: 'sum' }, '==', { record: 'expectedSum' }] },
            { compare: [{ record: 'result', agg: 'min' }, '==', { const: 100 }] },
          ],
        },
      },
      {
        id: 'at-most-size',
        text: { en: 'Never more tasks running at once than the pool has workers', zh: '同时运行的任务从不多于进程池的工作进程数' },
        check: { compare: [{ metric: 'pool.pool.maxRunning' }, '<=', { const: { param: 'size' } }] },
      },
      {
        id: 'callbacks-in-runner',
        text: { en: 'Callbacks ran in the runner\'s process, not in the workers', zh: '回调在运行器的进程中运行，而不是在工作进程中' },
        check: {
          all: [
            { compare: [{ record: 'callbackPid', agg: 'distinct' }, '==', { const: 1 }] },
            { compare: [{ record: 'callbackPid', agg: 'first' }, '==', { runner: 'pid' }] },
            { compare: [{ actors: 'pool', field: 'pid', agg: 'distinct' }, '==', { const: { param: 'size' } }] },
          ],
        },
      },
      {
        id: 'callbacks-on-loop',
        text: { en: 'Every callback ran on the runner\'s own thread, its event loop', zh: '每个回调都在运行器自己的线程（它的事件循环）上运行' },
        // CPython calls them on a helper thread of the interpreter instead (the next claim).
        requires: { runtime: 'node' },
        check: {
          all: [
            { compare: [{ record: 'callbackThread', agg: 'distinct' }, '==', { const: 1 }] },
            { compare: [{ record: 'callbackThread', agg: 'first' }, '==', { runner: 'threadId' }] },
          ],
        },
      },
      {
        id: 'callbacks-on-result-thread',
        text: { en: 'Every callback ran on one helper thread of the parent (the pool\'s result handler), not on its main thread', zh: '每个回调都在父进程的同一个辅助线程（进程池的结果处理线程）上运行，而不是在其主线程上' },
        requires: { runtime: 'cpython' },
        check: {
          all: [
            { compare: [{ record: 'callbackThread', agg: 'distinct' }, '==', { const: 1 }] },
            { compare: [{ record: 'callbackThread', agg: 'first' }, '!=', { runner: 'threadId' }] },
          ],
        },
      },
    ],
  },
};
