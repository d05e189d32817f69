import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });

export const pools: Lesson = {
  id: 'pools',
  chapter: 'threads',
  title: { en: 'Thread pools and process pools: submit, result, map, callbacks', zh: '线程池与进程池：submit、result、map 与回调' },
  text: {
    teaches: {
      en: 'An executor owns a fixed set of workers. submit() hands it one task and returns a future at once; result() waits for that task. map() runs a function over a list and gives the results back in the list\'s order, however the tasks finished. shutdown() stops accepting work and, by default, waits for what is queued. A callback attached to a task is called with the future itself, from which it reads the result. Where it runs depends on the runtime: in CPython, on the thread that finished the task (a thread pool\'s worker, or a helper thread of the parent for a process pool), so a slow callback holds up that worker; in Node, always on the runner\'s event loop, one callback after another. Pool sizes have defaults: as many processes as CPUs, and a few more threads than CPUs.',
      zh: '执行器拥有一组固定的工作者。submit() 交给它一个任务并立刻返回一个 future；result() 等待这个任务。map() 对一个列表逐项执行函数，无论任务以什么顺序完成，都按列表顺序返回结果。shutdown() 不再接收新任务，并默认等待已排队的任务。挂在任务上的回调被调用时拿到的是 future 本身，再从中读取结果。回调在哪个线程上运行取决于运行时：在 CPython 里，由完成任务的那个线程来调用（线程池是执行任务的工作线程，进程池则是父进程里的一个辅助线程），所以回调太慢会拖住这个工作线程；在 Node 里，回调总是在运行器的事件循环上一个接一个地运行。池的大小有默认值：进程数等于 CPU 数，线程数比 CPU 数多几个。',
    },
    watch: {
      en: 'The thread pool\'s lanes share the runner\'s pid, the process pool\'s lanes each have their own. The map tasks finish out of order (larger numbers sleep less and finish first), yet the record mapped is in input order. Find the callback spans: on Node they are all in a callbacks lane on the runner\'s own thread; on CPython a thread pool\'s callback is in the lane of the worker that ran the task, and a process pool\'s in a lane of its own, a helper thread of the interpreter.',
      zh: '线程池的泳道与运行器共用 pid，进程池的泳道各有自己的 pid。map 的任务完成顺序是乱的（数字越大睡得越短、越先完成），但记录 mapped 仍按输入顺序排列。找到 callback 区段：在 Node 上它们都在运行器自身线程上的回调泳道里；在 CPython 上，线程池的回调出现在执行该任务的工作线程的泳道里，进程池的回调则在单独的泳道里，那是解释器的一个辅助线程。',
    },
    pythonVsNode: {
      en: 'concurrent.futures gives ThreadPoolExecutor (default min(32, CPUs + 4) threads) and ProcessPoolExecutor (default: CPUs). The lab uses the same defaults. Python\'s thread pool shares one interpreter lock, so it only helps with waiting; Node\'s worker threads run JavaScript in parallel, so a thread pool here also speeds up computing. Where a callback runs differs too: add_done_callback calls it on the thread that completed the future — a thread pool\'s worker thread, or the process pool\'s result-handler thread in the parent — while Node runs every callback on the runner\'s event loop.',
      zh: 'concurrent.futures 提供 ThreadPoolExecutor（默认 min(32, CPU 数 + 4) 个线程）和 ProcessPoolExecutor（默认为 CPU 数）。实验室采用相同的默认值。Python 的线程池共享一把解释器锁，只对等待类任务有帮助；Node 的 worker 线程能并行执行 JavaScript，所以这里的线程池也能加速计算。回调在哪里运行也不同：add_done_callback 在完成该 future 的线程上调用回调——线程池的工作线程，或父进程中进程池的结果处理线程；而 Node 把所有回调都放在运行器的事件循环上运行。',
    },
    tryNext: {
      en: 'Set threadPool=1: the map still returns in order, but takes the sum of the sleeps. Compare the two pools\' spawnLatencyMs metrics: a process worker costs several times a thread to start.',
      zh: '设置 threadPool=1：map 仍按顺序返回，但耗时变成各次睡眠之和。比较两个池的 spawnLatencyMs 指标：启动一个工作进程的代价是线程的数倍。',
    },
  },
  presets: [
    { id: 'one-thread', label: { en: 'A thread pool of one', zh: '只有一个线程的线程池' }, params: { threadPool: 1 } },
  ],
  questions: [
    {
      id: 'map-order',
      kind: 'choice',
      text: {
        en: 'A pool maps x → x² over 1…6; the tasks may finish in any order. In what order does map return the results?',
        zh: '用池子对 1…6 做 map(x → x²)；任务可能以任意顺序完成。map 按什么顺序返回结果？',
      },
      choices: [
        { id: 'yes', text: { en: 'In the order of the inputs', zh: '按输入的顺序' }, when: '>=0.5' },
        { id: 'no', text: { en: 'In the order the tasks finished', zh: '按任务完成的顺序' }, when: '<0.5' },
      ],
      answerFrom: { claim: 'map-order' },
      why: { en: 'map collects the results and gives them back in the order of its inputs, however the tasks finished.', zh: 'map 会收集结果，并按输入的顺序交还，不管任务是以什么顺序完成的。' },
    },
    {
      id: 'default-size',
      kind: 'number',
      text: { en: 'A thread pool without a size: how many worker threads does it get on this machine?', zh: '不指定大小的线程池：在这台机器上它有几个工作线程？' },
      min: 0,
      max: 1000,
      answerFrom: { metric: 'pool.defaultThreads.size' },
      tolerance: { absolute: 0 },
      why: { en: 'Python’s default is min(32, number of CPUs + 4): on a 2-core machine 6, and never more than 32.', zh: 'Python 的默认值是 min(32, CPU 数 + 4)：两核机器上是 6，最多不超过 32。' },
    },
  ],
  spec: {
    version: 1,
    id: 'pools',
    title: { en: 'Executors side by side', zh: '两种执行器并排' },
    params: {
      threadPool: { type: 'integer', default: 3, min: 1, max: 16, description: { en: 'size of the thread pool', zh: '线程池大小' } },
      processPool: { type: 'integer', default: 2, min: 1, max: 8, description: { en: 'size of the process pool', zh: '进程池大小' } },
    },
    functions: {
      // Sleeps (10 − arg) × 20 ms: larger inputs finish first, so completion order differs from input order.
      slowSquare: {
        steps: [
          { op: 'section', name: 'work', steps: [{ op: 'sleep', ms: { mul: [{ sub: [10, ref('arg')] }, 20] } }] },
          { op: 'return', value: { mul: [ref('arg'), ref('arg')] } },
        ],
      },
      // Both sleep long enough that the callback is attached before the task is done (else CPython calls it at once, on
      // the submitter: a process pool's answer can be back within a millisecond while a busy machine delays the submitter).
      whoRuns: { steps: [{ op: 'sleep', ms: 200 }, { op: 'return', value: { self: 'pid' } }] },
      threadOfTask: { steps: [{ op: 'sleep', ms: 200 }, { op: 'return', value: { self: 'threadId' } }] },
      seeThreadCallback: {
        steps: [
          { op: 'record', name: 'threadTaskThread', value: ref('arg') },
          { op: 'record', name: 'threadCallbackThread', value: { self: 'threadId' } },
        ],
      },
      seeFuture: {
        steps: [
          { op: 'record', name: 'callbackFutureId', value: { at: [ref('future'), 'id'] } },
          { op: 'record', name: 'callbackFutureValue', value: { at: [ref('future'), 'value'] } },
          { op: 'record', name: 'callbackPid', value: { self: 'pid' } },
        ],
      },
    },
    pools: {
      threads: { kind: 'thread', size: { param: 'threadPool' } },
      processes: { kind: 'process', size: { param: 'processPool' } },
      defaultThreads: { kind: 'thread' },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'map', pool: 'threads', function: 'slowSquare', args: { list: [1, 2, 3, 4, 5, 6] }, into: 'mapped' },
          { op: 'record', name: 'mapped', value: { text: ref('mapped') } },
          { op: 'submit', pool: 'threads', function: 'threadOfTask', callback: 'seeThreadCallback', into: 'h' },
          { op: 'result', future: ref('h') },
          { op: 'submit', pool: 'processes', function: 'whoRuns', callback: 'seeFuture', into: 'f' },
          { op: 'result', future: ref('f'), into: 'workerPid' },
          { op: 'record', name: 'workerPid', value: ref('workerPid') },
          { op: 'map', pool: 'processes', function: 'slowSquare', args: { list: [7, 8, 9] }, into: 'mapped2' },
          { op: 'record', name: 'mapped2', value: { text: ref('mapped2') } },
          { op: 'submit', pool: 'defaultThreads', function: 'whoRuns', into: 'g' },
          { op: 'result', future: ref('g') },
          { op: 'shutdown', pool: 'threads' },
          { op: 'shutdown', pool: 'processes' },
          { op: 'shutdown', pool: 'defaultThreads' },
        ],
      },
    ],
    claims: [
      {
        id: 'bounded',
        text: { en: 'Never more tasks running than the pool\'s size', zh: '同时运行的任务从不超过池的大小' },
        check: {
          all: [
            { compare: [{ metric: 'pool.threads.maxRunning' }, '<=', { const: { param: 'threadPool' } }] },
            { compare: [{ metric: 'pool.processes.maxRunning' }, '<=', { const: { param: 'processPool' } }] },
          ],
        },
      },
      {
        id: 'map-order',
        text: { en: 'map returns results in the order of its inputs', zh: 'map 按输入顺序返回结果' },
        check: { all: [{ compare: [{ record: 'mapped' }, '==', { const: '[1,4,9,16,25,36]' }] }, { compare: [{ record: 'mapped2' }, '==', { const: '[49,64,81]' }] }] },
      },
      {
        id: 'callback-gets-future',
        text: { en: 'The callback receives the future (an id and a value), and runs in the runner, not the worker', zh: '回调拿到的是 future（包含 id 和值），并且在运行器而非工作进程中运行' },
        check: {
          all: [
            { compare: [{ record: 'callbackFutureId' }, '==', { const: 'processes#1' }] },
            { compare: [{ record: 'callbackFutureValue' }, '==', { record: 'workerPid' }] },
            { compare: [{ record: 'callbackPid' }, '==', { runner: 'pid' }] },
            { compare: [{ record: 'workerPid' }, '!=', { runner: 'pid' }] },
          ],
        },
      },
      {
        id: 'thread-callback-on-runner',
        text: { en: 'A thread pool\'s callback runs on the runner\'s own thread, not on the worker thread that ran the task', zh: '线程池的回调在运行器自己的线程上运行，而不是在执行该任务的工作线程上' },
        // Node runs every callback on the runner's event loop; CPython calls it on the worker thread (the next claim).
        requires: { runtime: 'node' },
        check: {
          all: [
            { compare: [{ record: 'threadCallbackThread' }, '==', { runner: 'threadId' }] },
            { compare: [{ record: 'threadTaskThread' }, '!=', { runner: 'threadId' }] },
          ],
        },
      },
      {
        id: 'thread-callback-on-worker',
        text: { en: 'A thread pool\'s callback runs on the worker thread that ran the task, not on the main thread', zh: '线程池的回调在执行该任务的工作线程上运行，而不是在主线程上' },
        requires: { runtime: 'cpython' },
        check: {
          all: [
            { compare: [{ record: 'threadCallbackThread' }, '==', { record: 'threadTaskThread' }] },
            { compare: [{ record: 'threadCallbackThread' }, '!=', { runner: 'threadId' }] },
          ],
        },
      },
      {
        id: 'default-size',
        text: { en: 'A thread pool without a size gets min(32, CPUs + 4) workers', zh: '未指定大小的线程池有 min(32, CPU 数 + 4) 个工作者' },
        check: { any: [{ compare: [{ metric: 'pool.defaultThreads.size' }, '==', { runner: 'cpuCount' }], plus: 4 }, { compare: [{ metric: 'pool.defaultThreads.size' }, '==', { const: 32 }] }] },
      },
    ],
  },
};
