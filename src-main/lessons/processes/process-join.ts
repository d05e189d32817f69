import type { Lesson } from '../../model/lesson';
import type { AuthoredValue } from '../../model/spec-schema';

const add = (a: AuthoredValue, b: AuthoredValue): AuthoredValue => ({ add: [a, b] });
const ref = (name: string): AuthoredValue => ({ ref: name });

export const processJoin: Lesson = {
  id: 'process-join',
  chapter: 'processes',
  title: { en: 'Start them all, then join them all', zh: '先全部启动，再全部 join' },
  text: {
    teaches: {
      en: 'join() makes the parent wait until a child has ended. If the parent starts every child first and only then joins them one by one, the children run at the same time and the total is about the longest child, not the sum of all of them. Joining each child right after starting it turns the same work into a queue: the total becomes the sum.',
      zh: 'join() 让父进程等到某个子进程结束。如果父进程先启动所有子进程，然后再逐个 join，子进程是同时运行的，总耗时约等于最长的那个，而不是所有子进程耗时之和。如果每启动一个就立刻 join，同样的工作就排成了队：总耗时变成总和。',
    },
    watch: {
      en: 'With joinEach=false the child lanes overlap: child i sleeps (i+1) × stepMs and they all end close to the longest one. The record totalMs sits just above longestMs (the gap is the start-up cost of the processes), far below sumMs.',
      zh: 'joinEach=false 时，子进程泳道相互重叠：第 i 个子进程睡 (i+1) × stepMs，它们都在最长的那个附近结束。记录 totalMs 略高于 longestMs（差值是启动进程的开销），远低于 sumMs。',
    },
    pythonVsNode: {
      en: 'join() behaves the same in both. What differs is the price of start(): a Node child process boots a JavaScript engine, 70 to 120 ms on our machines, so the total is the longest child plus that start-up cost. A Python child made with the "fork" start method is cheaper to start; with "spawn" it also boots a fresh interpreter, at a cost of the same order as here.',
      zh: '两者的 join() 行为一致。不同的是 start() 的代价：Node 子进程要启动一个 JavaScript 引擎，在我们的机器上需要 70 到 120 毫秒，所以总耗时是最长子进程的时间加上这段启动开销。Python 用 "fork" 方式创建子进程要便宜一些；用 "spawn" 方式时，它同样要启动一个全新的解释器，开销与这里属于同一个数量级。',
    },
    tryNext: {
      en: 'Set joinEach=true: the lanes line up one after another and totalMs rises to at least sumMs. Set children=6: the sum grows with the square of the count while the overlapped total only grows with the longest child.',
      zh: '设置 joinEach=true：泳道一个接一个排开，totalMs 升到至少 sumMs。设置 children=6：总和随数量的平方增长，而重叠运行的总耗时只随最长子进程增长。',
    },
  },
  results: {
    kind: 'bars',
    title: { en: 'Waiting for every child, compared with their own times', zh: '等待所有子进程的总耗时，与它们各自的耗时相比' },
    rowHeader: { en: 'quantity', zh: '指标' },
    columns: [{ id: 'ms', label: { en: 'time', zh: '耗时' }, unit: 'ms' }],
    rows: [
      { label: { en: 'the longest child', zh: '最长的子进程' }, cells: [{ record: 'longestMs' }] },
      { label: { en: 'all children added up', zh: '所有子进程之和' }, cells: [{ record: 'sumMs' }] },
      { label: { en: 'start all, then join all', zh: '全部启动后再逐个 join' }, cells: [{ record: 'totalMs' }] },
    ],
  },
  presets: [
    { id: 'join-each', label: { en: 'Join each child in turn', zh: '逐个 join' }, params: { joinEach: true } },
    { id: 'six-children', label: { en: 'Six children', zh: '六个子进程' }, params: { children: 6 } },
  ],
  questions: [
    {
      id: 'total-time',
      kind: 'choice',
      text: {
        en: 'Three children sleep 0.3 s, 0.6 s and 0.9 s. The parent starts all three, then joins them. The total time is about…',
        zh: '三个子进程分别睡 0.3 秒、0.6 秒和 0.9 秒。父进程先把三个都启动，再逐个 join。总耗时大约是……',
      },
      choices: [
        { id: 'longest', text: { en: 'the longest child (≈ 0.9 s)', zh: '最长的那个子进程（约 0.9 秒）' }, when: '<0.75' },
        { id: 'sum', text: { en: 'the sum of all three (≈ 1.8 s)', zh: '三者之和（约 1.8 秒）' }, when: '>=0.75' },
      ],
      answerFrom: { ratio: [{ record: 'totalMs' }, { record: 'sumMs' }] },
      why: {
        en: 'Started together, the children sleep at the same time; join only waits for each to end, and by the time the longest is done the others are too. Joining each right after starting it (joinEach=true) makes the sum.',
        zh: '一起启动的子进程同时在睡；join 只是等每个结束，而最长的那个结束时，其余的早已结束。若每启动一个就立刻 join（joinEach=true），总耗时就变成三者之和。',
      },
    },
    {
      id: 'total-ms',
      kind: 'number',
      text: { en: 'How many milliseconds will the whole thing take (totalMs)?', zh: '整个过程要多少毫秒（totalMs）？' },
      unit: 'ms',
      min: 0,
      max: 600000,
      answerFrom: { record: 'totalMs' },
      tolerance: { relative: 0.3 },
      why: { en: 'About the longest child (900 ms) plus what starting the processes costs: the waits overlap.', zh: '大约是最长子进程的 900 毫秒，再加上启动进程的开销：各自的等待是重叠的。' },
    },
  ],
  spec: {
    version: 1,
    id: 'process-join',
    title: { en: 'Three children sleeping 1, 2 and 3 steps', zh: '三个子进程分别睡 1、2、3 个步长' },
    params: {
      children: { type: 'integer', default: 3, min: 1, max: 8, description: { en: 'child processes; child i sleeps (i+1) steps', zh: '子进程数；第 i 个睡 (i+1) 个步长' } },
      stepMs: { type: 'integer', default: 300, min: 10, max: 2000, description: { en: 'one step of sleep', zh: '一个睡眠步长' } },
      joinEach: { type: 'boolean', default: false, description: { en: 'join each child right after starting it', zh: '每启动一个子进程就立刻 join' } },
    },
    actors: [
      {
        name: 'main',
        kind: 'main',
        program: [
          // The figures to compare with: the longest child, and all of them one after another.
          { op: 'let', name: 'longest', value: { mul: [{ param: 'children' }, { param: 'stepMs' }] } },
          { op: 'let', name: 'sum', value: { div: [{ mul: [ref('longest'), add({ param: 'children' }, 1)] }, 2] } },
          { op: 'record', name: 'longestMs', value: ref('longest') },
          { op: 'record', name: 'sumMs', value: ref('sum') },
          { op: 'record', name: 'stepMs', value: { param: 'stepMs' } },
          { op: 'let', name: 't0', value: { now: 'ms' } },
          {
            op: 'if',
            cond: { truthy: { param: 'joinEach' } },
            then: [
              { op: 'let', name: 'i', value: 0 },
              {
                op: 'repeat',
                times: { param: 'children' },
                steps: [
                  { op: 'spawn', actor: 'child', index: ref('i') },
                  { op: 'join', actor: 'child', index: ref('i') },
                  { op: 'let', name: 'i', value: add(ref('i'), 1) },
                ],
              },
            ],
            else: [
              { op: 'spawn', actor: 'child' },
              { op: 'mark', name: 'all-started' },
              { op: 'join', actor: 'child' },
            ],
          },
          { op: 'record', name: 'totalMs', value: { sub: [{ now: 'ms' }, ref('t0')] } },
          { op: 'log', message: 'parent: all children joined after {ms} ms', values: { ms: { sub: [{ now: 'ms' }, ref('t0')] } } },
        ],
      },
      {
        name: 'child',
        kind: 'process',
        count: { param: 'children' },
        autostart: false,
        program: [
          { op: 'log', message: '{me} starts', values: { me: { self: 'name' } } },
          // Child i sleeps i+1 steps: the sleep length is a plain number, so it is taken step by step.
          { op: 'let', name: 'k', value: 0 },
          {
            op: 'repeat',
            times: { param: 'children' },
            steps: [
              { op: 'if', cond: { compare: [ref('k'), '<=', { self: 'index' }] }, then: [{ op: 'sleep', ms: { param: 'stepMs' } }] },
              { op: 'let', name: 'k', value: add(ref('k'), 1) },
            ],
          },
          { op: 'log', message: '{me} is done', values: { me: { self: 'name' } } },
        ],
      },
    ],
    claims: [
      {
        id: 'at-least-longest',
        text: { en: 'The total is at least the longest child\'s sleep', zh: '总耗时至少是最长子进程的睡眠时间' },
        check: { compare: [{ record: 'totalMs' }, '>=', { record: 'longestMs' }] },
      },
      {
        id: 'overlapped',
        text: { en: 'Started together, the children overlap: the total stays below 0.75 × the sum of their sleeps', zh: '一起启动时子进程相互重叠：总耗时低于各自睡眠时间之和的 0.75 倍' },
        // With fewer than 3 children or tiny steps, the start-up cost of a process is as large as the saving.
        when: { all: [{ not: { truthy: { param: 'joinEach' } } }, { compare: [{ param: 'children' }, '>=', 3] }, { compare: [{ param: 'stepMs' }, '>=', 200] }] },
        check: { compare: [{ record: 'totalMs' }, '<', { record: 'sumMs' }], factor: 0.75 },
        // The total is the longest child plus the time to start it. A machine too busy to start a child within one
        // step (normally 70-120 ms) hides the overlap behind start-up: the run cannot decide the claim then.
        given: { compare: [{ actors: 'child', field: 'spawnLatencyMs', agg: 'max' }, '<', { record: 'stepMs' }] },
      },
      {
        id: 'serial-is-sum',
        text: { en: 'Joined one by one, the children run in turn: the total is at least the sum', zh: '逐个 join 时子进程轮流运行：总耗时至少是总和' },
        when: { truthy: { param: 'joinEach' } },
        check: { compare: [{ record: 'totalMs' }, '>=', { record: 'sumMs' }] },
      },
    ],
  },
};
