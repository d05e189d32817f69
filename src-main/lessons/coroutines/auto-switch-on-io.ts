import type { Lesson } from '../../model/lesson';
import type { AuthoredActor, AuthoredValue } from '../../model/spec-schema';

const ref = (name: string): AuthoredValue => ({ ref: name });
const since = (name: string): AuthoredValue => ({ sub: [{ now: 'ms' }, ref(name)] });

const task = (name: string, op: 'sleep' | 'block', param: string): AuthoredActor => ({
  name,
  kind: 'task',
  autostart: false,
  program: [
    { op: 'log', message: `${name}: waiting` },
    { op, ms: { param } },
    { op: 'log', message: `${name}: done` },
  ],
});

export const autoSwitchOnIo: Lesson = {
  id: 'auto-switch-on-io',
  chapter: 'coroutines',
  title: { en: 'Switching when a task waits, and a call that blocks everyone', zh: '任务等待时切换，以及一个拖住所有人的调用' },
  text: {
    teaches: {
      en: 'Tasks on one event loop take turns. When a task waits in a way the loop understands (a timer, a socket, a file read), the loop runs the other tasks meanwhile, so two tasks waiting 300 and 200 ms finish together after about 300 ms. A call that blocks the thread instead (a synchronous sleep, a busy loop, a synchronous file read) holds the whole loop: nothing else runs, and the same two waits add up to about 500 ms.',
      zh: '同一个事件循环上的任务轮流执行。当任务以事件循环能理解的方式等待（定时器、套接字、文件读取）时，循环会趁机运行其他任务，所以分别等待 300 和 200 毫秒的两个任务大约 300 毫秒后一起完成。而阻塞线程的调用（同步睡眠、忙循环、同步读文件）会霸占整个循环：其他任务都无法运行，同样的两次等待加起来约 500 毫秒。',
    },
    watch: {
      en: 'In the first phase the two sleep spans overlap on the timeline. In the second phase the block spans sit end to end: the second task cannot even begin its wait until the first has released the thread. Compare the records yieldingMs and blockingMs.',
      zh: '第一阶段，两段睡眠在时间线上重叠。第二阶段，两段阻塞首尾相接：第一个任务释放线程之前，第二个任务连开始等待都做不到。比较记录 yieldingMs 和 blockingMs。',
    },
    pythonVsNode: {
      en: 'gevent makes blocking calls such as time.sleep switch automatically only after monkey.patch_all() has replaced them; without the patch they stall every greenlet. Node never needed the patch: its standard I/O functions are asynchronous, and await hands the thread back to the loop. What still stalls everyone in Node is the same thing as in unpatched gevent: synchronous calls (the *Sync functions, Atomics.wait, long computations). The lab\'s "block" step is such a call. On CPython the lab runs these tasks as real gevent greenlets where gevent is installed: set monkeyPatch=false and the sleeps add up too.',
      zh: 'gevent 只有在 monkey.patch_all() 替换了 time.sleep 等阻塞调用之后，才会在这些调用处自动切换；不打补丁，它们会拖住所有 greenlet。Node 从来不需要这种补丁：它的标准 I/O 函数本身就是异步的，await 会把线程交还给事件循环。在 Node 中仍然会拖住所有人的，和未打补丁的 gevent 一样，是同步调用（各种 *Sync 函数、Atomics.wait、长时间计算）。实验室的 block 步骤就是这样的调用。在装有 gevent 的 CPython 上，实验室把这些任务作为真正的 gevent greenlet 运行：设置 monkeyPatch=false，睡眠也会相加。',
    },
    tryNext: {
      en: 'Set shortMs=300: yielding still takes one wait, blocking now takes two full waits, 600 ms. Set longMs=1000: the blocking phase freezes the runner for over a second, and even the lab\'s own bookkeeping on that thread waits with it.',
      zh: '设置 shortMs=300：让出式仍只需一次等待，阻塞式则需要两次完整等待，共 600 毫秒。设置 longMs=1000：阻塞阶段让运行器冻结超过一秒，连实验室自己在这个线程上的记录工作也只能跟着等。',
    },
  },
  results: {
    kind: 'bars',
    title: { en: 'Waits that yield overlap; waits that block add up', zh: '让出的等待会重叠，阻塞的等待会累加' },
    rowHeader: { en: 'quantity', zh: '指标' },
    columns: [{ id: 'ms', label: { en: 'time', zh: '耗时' }, unit: 'ms' }],
    rows: [
      { label: { en: 'coroutines that yield while waiting', zh: '等待时让出的协程' }, cells: [{ record: 'yieldingMs' }] },
      { label: { en: 'coroutines that block while waiting', zh: '等待时阻塞的协程' }, cells: [{ record: 'blockingMs' }] },
      { label: { en: 'the longest single wait', zh: '最长的一次等待' }, cells: [{ record: 'longestMs' }] },
      { label: { en: 'all waits added up', zh: '所有等待之和' }, cells: [{ record: 'sumMs' }] },
    ],
  },
  presets: [
    { id: 'short-300', label: { en: 'A 300 ms short wait', zh: '短等待改为 300 毫秒' }, params: { shortMs: 300 } },
    { id: 'long-1000', label: { en: 'A one-second long wait', zh: '长等待改为一秒' }, params: { longMs: 1000 } },
  ],
  questions: [
    {
      id: 'yielding-ms',
      kind: 'number',
      text: { en: 'Two tasks wait 300 ms and 200 ms in a way the event loop understands. How long do both take together?', zh: '两个任务分别以事件循环能理解的方式等待 300 毫秒和 200 毫秒。两个一起要多久？' },
      unit: 'ms',
      min: 0,
      max: 600000,
      answerFrom: { record: 'yieldingMs' },
      tolerance: { absolute: 100 },
      why: { en: 'While one task waits the loop runs the other, so the waits overlap: about the longer one, 300 ms.', zh: '一个任务等待时，事件循环去运行另一个，两次等待重叠：大约是较长的那次，300 毫秒。' },
    },
    {
      id: 'blocking-ms',
      kind: 'number',
      text: { en: 'And when both waits block the thread (a synchronous sleep)?', zh: '如果两次等待都阻塞线程（同步 sleep）呢？' },
      unit: 'ms',
      min: 0,
      max: 600000,
      answerFrom: { record: 'blockingMs' },
      tolerance: { absolute: 100 },
      why: { en: 'A blocking call holds the whole loop: nothing else runs, and the waits add up to about 500 ms.', zh: '阻塞调用占住整个事件循环：别的都不能运行，两次等待相加，大约 500 毫秒。' },
    },
  ],
  spec: {
    version: 1,
    id: 'auto-switch-on-io',
    title: { en: 'Two waits, yielding then blocking', zh: '两次等待：先让出，再阻塞' },
    params: {
      longMs: { type: 'integer', default: 300, min: 50, max: 5000, description: { en: 'the first task\'s wait', zh: '第一个任务的等待时长' } },
      shortMs: { type: 'integer', default: 200, min: 50, max: 5000, description: { en: 'the second task\'s wait', zh: '第二个任务的等待时长' } },
      monkeyPatch: {
        type: 'boolean',
        default: true,
        description: { en: 'on CPython with gevent: patch time.sleep so that a sleeping greenlet switches', zh: '在装有 gevent 的 CPython 上：给 time.sleep 打补丁，让睡眠的 greenlet 切换出去' },
      },
    },
    // On CPython the tasks are gevent greenlets where gevent can be imported (the Node engine ignores this).
    cpython: { tasks: 'gevent', monkeyPatch: { param: 'monkeyPatch' } },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          { op: 'let', name: 'sum', value: { add: [{ param: 'longMs' }, { param: 'shortMs' }] } },
          { op: 'let', name: 'longest', value: { param: 'longMs' } },
          { op: 'if', cond: { compare: [{ param: 'shortMs' }, '>', { param: 'longMs' }] }, then: [{ op: 'let', name: 'longest', value: { param: 'shortMs' } }] },
          { op: 'record', name: 'longestMs', value: ref('longest') },
          { op: 'record', name: 'sumMs', value: ref('sum') },
          { op: 'mark', name: 'yielding' },
          { op: 'let', name: 't0', value: { now: 'ms' } },
          { op: 'spawn', actor: 'slowYield' },
          { op: 'spawn', actor: 'fastYield' },
          { op: 'join', actor: 'slowYield' },
          { op: 'join', actor: 'fastYield' },
          { op: 'record', name: 'yieldingMs', value: since('t0') },
          { op: 'mark', name: 'blocking' },
          { op: 'let', name: 't0', value: { now: 'ms' } },
          { op: 'spawn', actor: 'slowBlock' },
          { op: 'spawn', actor: 'fastBlock' },
          { op: 'join', actor: 'slowBlock' },
          { op: 'join', actor: 'fastBlock' },
          { op: 'record', name: 'blockingMs', value: since('t0') },
        ],
      },
      task('slowYield', 'sleep', 'longMs'),
      task('fastYield', 'sleep', 'shortMs'),
      task('slowBlock', 'block', 'longMs'),
      task('fastBlock', 'block', 'shortMs'),
    ],
    claims: [
      {
        id: 'patched-sleep-switches',
        text: {
          en: 'With gevent on CPython, once monkey-patching has replaced time.sleep, a sleeping greenlet switches: the two sleeps overlap',
          zh: '在 CPython 上用 gevent 时，猴子补丁替换了 time.sleep 之后，睡眠的 greenlet 会切换出去：两次睡眠相互重叠',
        },
        requires: { runtime: 'cpython', pythonModule: 'gevent' },
        when: { truthy: { param: 'monkeyPatch' } },
        check: {
          all: [
            { compare: [{ actors: 'slowYield', field: 'threadId', agg: 'first' }, '==', { actors: 'fastYield', field: 'threadId', agg: 'first' }] },
            { compare: [{ record: 'yieldingMs' }, '<', { record: 'longestMs' }], plus: 100 },
          ],
        },
      },
      {
        id: 'unpatched-sleep-stalls',
        text: {
          en: 'With gevent on CPython but without monkey-patching, time.sleep blocks the one thread every greenlet shares: the two sleeps add up like the blocking waits',
          zh: '在 CPython 上用 gevent 但不打猴子补丁时，time.sleep 会阻塞所有 greenlet 共用的那个线程：两次睡眠像阻塞式等待一样相加',
        },
        requires: { runtime: 'cpython', pythonModule: 'gevent' },
        when: { not: { truthy: { param: 'monkeyPatch' } } },
        check: { compare: [{ record: 'yieldingMs' }, '>=', { record: 'sumMs' }], factor: 0.98 },
      },
      {
        id: 'yielding-overlaps',
        text: { en: 'Waits that yield overlap: the total is ≈ the longer wait (300 ms)', zh: '让出式等待相互重叠：总耗时约等于较长的那次等待（300 毫秒）' },
        // Unpatched gevent's time.sleep does not yield (the claim unpatched-sleep-stalls); Node and asyncio always do.
        when: { truthy: { param: 'monkeyPatch' } },
        check: {
          all: [
            { compare: [{ record: 'yieldingMs' }, '>=', { record: 'longestMs' }], factor: 0.98 },
            { compare: [{ record: 'yieldingMs' }, '<', { record: 'longestMs' }], plus: 100 },
          ],
        },
      },
      {
        id: 'blocking-adds-up',
        text: { en: 'Waits that block the thread add up: the total is ≈ the sum (500 ms)', zh: '阻塞线程的等待会累加：总耗时约等于两者之和（500 毫秒）' },
        check: {
          all: [
            { compare: [{ record: 'blockingMs' }, '>=', { record: 'sumMs' }], factor: 0.98 },
            { compare: [{ record: 'blockingMs' }, '<', { record: 'sumMs' }], plus: 150 },
          ],
        },
      },
    ],
  },
};
